#include "common/log_text.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

TEST(LogSafeTest, AForgedLineStaysOnItsLine) {
  EXPECT_EQ(log_safe("web-01\n[2026-12-01 00:00:00] [info] agent root connected"),
            "web-01\\n[2026-12-01 00:00:00] [info] agent root connected");
  EXPECT_EQ(log_safe("a\rb\tc\\d"), "a\\rb\\tc\\\\d");
  EXPECT_EQ(log_safe(std::string("x\0y\x1b[31m\x7f", 9)), "x\\x00y\\x1b[31m\\x7f");
}

TEST(LogSafeTest, PlainTextAndUtf8AreKept) {
  EXPECT_EQ(log_safe("web-01.example.com"), "web-01.example.com");
  EXPECT_EQ(log_safe("h\xc3\xa9te"), "h\xc3\xa9te");
}

TEST(LogSafeTest, LongTextIsCut) {
  EXPECT_EQ(log_safe(std::string(300, 'a'), 4), "aaaa...");
}

}  // namespace
}  // namespace mend
