#include "cli/basic_auth.hpp"

#include <gtest/gtest.h>

namespace mend::cli {
namespace {

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xff\xfe"), "//4=");
}

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
