#include "agent/output_capture.hpp"

#include <gtest/gtest.h>

#include "common/strings.hpp"

namespace mend::agent {

TEST(OutputCapture, KeepsEverythingWithinLimit) {
  OutputCapture c(10);
  c.append("hello");
  c.append(" you");
  EXPECT_EQ(c.text(), "hello you");
  EXPECT_EQ(c.dropped(), 0);
  EXPECT_EQ(c.total(), 9);
}

TEST(OutputCapture, KeepsHeadAndTailAndCountsDropped) {
  OutputCapture c(10);
  for (int i = 0; i < 100; ++i) c.append(std::string(1, static_cast<char>('a' + i % 26)));
  // Head: first 5 bytes; tail: last 5 of 100 (indices 95..99 -> r s t u v).
  EXPECT_EQ(c.text(), "abcde\n...[90 bytes dropped]...\nrstuv");
  EXPECT_EQ(c.dropped(), 90);
  EXPECT_EQ(c.total(), 100);
}

TEST(OutputCapture, LargeAppendsStayBounded) {
  OutputCapture c(1000);
  std::string chunk(4096, 'x');
  for (int i = 0; i < 1000; ++i) c.append(chunk);
  EXPECT_EQ(c.dropped(), 4096 * 1000 - 1000);
  EXPECT_LT(c.text().size(), 1100u);
}

TEST(OutputCapture, CutsOnUtf8Boundaries) {
  // Each "你" is 3 bytes; a limit of 8 gives a 4-byte head and a 4-byte tail,
  // which can hold only one whole character each.
  OutputCapture c(8);
  std::string ni = "\xE4\xBD\xA0";
  for (int i = 0; i < 10; ++i) c.append(ni);
  std::string t = c.text();
  EXPECT_EQ(t, ni + "\n...[24 bytes dropped]...\n" + ni);
  EXPECT_EQ(sanitize_utf8(t), t);
  EXPECT_EQ(c.dropped(), 24);
}

TEST(OutputCapture, SanitisesInvalidBytes) {
  OutputCapture c(100);
  c.append("ok\xff\xfe");
  EXPECT_EQ(c.text(), "ok\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(OutputCapture, VersionChangesOnlyWithNewBytes) {
  OutputCapture c(100);
  auto v = c.version();
  c.append("");
  EXPECT_EQ(c.version(), v);
  c.append("x");
  EXPECT_NE(c.version(), v);
}

}  // namespace mend::agent
