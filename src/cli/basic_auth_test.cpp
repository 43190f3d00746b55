#include "cli/basic_auth.hpp"

#include <gtest/gtest.h>

#include "common/encoding.hpp"

namespace mend::cli {
namespace {

TEST(BasicAuthHeader, EncodesUserAndPassword) {
  auto header = basic_auth_header("ibex:secret");
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(*header, "Basic aWJleDpzZWNyZXQ=");
  // The password may itself hold a colon.
  EXPECT_EQ(*basic_auth_header("a:b:c"), "Basic " + base64_encode("a:b:c"));
}

TEST(BasicAuthHeader, RefusesWithoutColonOrUser) {
  EXPECT_FALSE(basic_auth_header("ibex").ok());
  EXPECT_FALSE(basic_auth_header(":secret").ok());
}

}  // namespace
}  // namespace mend::cli
