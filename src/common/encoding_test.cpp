#include "common/encoding.hpp"

#include <gtest/gtest.h>

#include "common/same_secret.hpp"

namespace mend {
namespace {

TEST(HexEncode, LowerCaseTwoDigitsPerByte) {
  const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(hex_encode(bytes, sizeof bytes), "000fa5ff");
  EXPECT_EQ(hex_encode(bytes, 0), "");
}

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xff\xfe"), "//4=");
}

TEST(Base64, DecodesWithOrWithoutPaddingAndRefusesBadText) {
  EXPECT_EQ(base64_decode("b3BzOnNlY3JldA=="), "ops:secret");
  EXPECT_EQ(base64_decode("b3BzOnNlY3JldA"), "ops:secret");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("YQ=="), "a");
  EXPECT_FALSE(base64_decode("b3B*").has_value());
  EXPECT_FALSE(base64_decode("b").has_value());
}

TEST(Base64, DecodesWhatItEncodes) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  for (size_t n = 0; n <= all.size(); n += 37) EXPECT_EQ(base64_decode(base64_encode(all.substr(0, n))), all.substr(0, n));
}

TEST(UrlEncode, KeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(url_encode("abc-_.~09"), "abc-_.~09");
  EXPECT_EQ(url_encode("a b/c&d"), "a%20b%2Fc%26d");
  EXPECT_EQ(url_encode("\xc3\xa9"), "%C3%A9");
}

TEST(AppendQuery, EncodesValuesAndLeavesOutEmptyOnes) {
  std::string q;
  append_query(q, "rule", "disk full");
  append_query(q, "host", "");
  append_query(q, "since", "2026-01-01T00:00:00+01:00");
  EXPECT_EQ(q, "rule=disk%20full&since=2026-01-01T00%3A00%3A00%2B01%3A00");
}

TEST(PercentDecode, DecodesEscapesAndRefusesBrokenOnes) {
  EXPECT_EQ(percent_decode("a%2Fb+c", false), "a/b+c");
  EXPECT_EQ(percent_decode("a+c", true), "a c");
  EXPECT_FALSE(percent_decode("a%2", false).has_value());
  EXPECT_FALSE(percent_decode("a%zz", false).has_value());
  EXPECT_EQ(percent_decode(url_encode("a b/c&d\xc3\xa9%+"), true), "a b/c&d\xc3\xa9%+");
}

TEST(SameSecret, EqualOnlyWhenEveryByteAndTheLengthAgree) {
  EXPECT_TRUE(same_secret("abc", "abc"));
  EXPECT_FALSE(same_secret("abc", "abd"));
  EXPECT_FALSE(same_secret("abc", "ab"));
  EXPECT_FALSE(same_secret("ab", "abc"));
  EXPECT_FALSE(same_secret("abcabc", "abc"));  // wraps around `expected`, still unequal
  EXPECT_FALSE(same_secret("", "abc"));
  EXPECT_FALSE(same_secret("abc", ""));
  EXPECT_TRUE(same_secret("", ""));
}

}  // namespace
}  // namespace mend
