#include "auth/basic_auth.hpp"

#include <gtest/gtest.h>

namespace mend::auth {
namespace {

TEST(BasicAuth, ParsesUserColonPassword) {
  auto u = parse_basic_auth_user("ops:se:cret");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->user, "ops");
  EXPECT_EQ(u->password, "se:cret");
  EXPECT_FALSE(parse_basic_auth_user("nopassword").ok());
  EXPECT_FALSE(parse_basic_auth_user(":pw").ok());
  EXPECT_TRUE(parse_basic_auth_user("u:").ok());
}

TEST(BasicAuth, ParsesAuthorizationHeader) {
  auto u = parse_basic_authorization("Basic b3BzOnNlY3JldA==");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->user, "ops");
  EXPECT_EQ(u->password, "secret");
  EXPECT_TRUE(parse_basic_authorization("basic  b3BzOnNlY3JldA==").has_value());
  EXPECT_FALSE(parse_basic_authorization("Bearer b3BzOnNlY3JldA==").has_value());
  EXPECT_FALSE(parse_basic_authorization("Basic").has_value());
  EXPECT_FALSE(parse_basic_authorization("Basic bm9jb2xvbg==").has_value());  // "nocolon"
  EXPECT_FALSE(parse_basic_authorization("").has_value());
}

}  // namespace
}  // namespace mend::auth
