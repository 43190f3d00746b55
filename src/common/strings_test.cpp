#include "common/strings.hpp"

#include <gtest/gtest.h>

namespace mend {

TEST(Strings, SplitKeepsEmptyParts) {
  EXPECT_EQ(split("a,,b", ",,"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(split("a,b,", ","), (std::vector<std::string>{"a", "b", ""}));
}

TEST(Strings, SanitizeReplacesInvalidBytes) {
  EXPECT_EQ(sanitize_utf8("ok\xff"), "ok\xEF\xBF\xBD");
  EXPECT_EQ(sanitize_utf8("\xE4\xBD\xA0"), "\xE4\xBD\xA0");
  EXPECT_EQ(sanitize_utf8("\xE4\xBD"), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Strings, Utf8CutsFallOnBoundaries) {
  std::string s = "a\xE4\xBD\xA0" "b";  // a, U+4F60, b
  EXPECT_EQ(utf8_prefix_len(s, 2), 1u);
  EXPECT_EQ(utf8_prefix_len(s, 4), 4u);
  EXPECT_EQ(utf8_suffix_start(s, 3), 4u);
  EXPECT_EQ(utf8_suffix_start(s, 4), 1u);
}

}  // namespace mend
