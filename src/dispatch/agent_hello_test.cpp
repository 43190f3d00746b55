#include "dispatch/agent_hello.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

proto::Hello hello(std::string ident, std::string token) {
  proto::Hello h;
  h.ident = std::move(ident);
  h.token = std::move(token);
  return h;
}

TEST(AgentHello, TokenMustMatchWhenConfigured) {
  EXPECT_TRUE(check_hello(hello("web1", "s3cret"), "s3cret").ok());
  auto r = check_hello(hello("web1", "wrong"), "s3cret");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::unauthorized);
  EXPECT_EQ(r.error().message, "bad token");
  EXPECT_FALSE(check_hello(hello("web1", ""), "s3cret").ok());
  EXPECT_FALSE(check_hello(hello("web1", "s3cret2"), "s3cret").ok());
  EXPECT_FALSE(check_hello(hello("web1", "s3cre"), "s3cret").ok());
}

TEST(AgentHello, AnyTokenWhenNoneConfigured) { EXPECT_TRUE(check_hello(hello("web1", "x"), "").ok()); }

TEST(AgentHello, IdentMustBeNonEmptyShortAndPrintable) {
  EXPECT_FALSE(check_hello(hello("", ""), "").ok());
  EXPECT_FALSE(check_hello(hello(std::string(256, 'a'), ""), "").ok());
  EXPECT_TRUE(check_hello(hello(std::string(255, 'a'), ""), "").ok());
  EXPECT_FALSE(check_hello(hello("web\n1", ""), "").ok());
  EXPECT_FALSE(check_hello(hello("web\x7f", ""), "").ok());
  EXPECT_TRUE(valid_ident("10.0.0.1"));
  EXPECT_TRUE(valid_ident("h\xc3\xa9te"));
}

TEST(AgentHello, LabelsAreChecked) {
  auto h = hello("web1", "");
  h.labels = {{"env", "prod"}};
  EXPECT_TRUE(check_hello(h, "").ok());
  h.labels["bad key"] = "x";
  auto r = check_hello(h, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_input);
  EXPECT_EQ(r.error().message, "bad label 'bad key': key may hold only letters, digits and _ . - /");
}

}  // namespace
}  // namespace mend
