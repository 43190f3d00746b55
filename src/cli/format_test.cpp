// Tests for the pure text formatting: tables, durations and the progress line.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "cli/progress.hpp"
#include "cli/table.hpp"
#include "cli/time_format.hpp"

namespace mend::cli {
namespace {

TEST(FormatTable, AlignsColumnsWithoutTrailingSpaces) {
  EXPECT_EQ(format_table({"HOST", "STATUS"}, {{"web-01", "success"}, {"db", "failed"}}),
            "HOST    STATUS\n"
            "web-01  success\n"
            "db      failed\n");
}

TEST(FormatTable, PadsShortRowsAndFlattensNewlines) {
  EXPECT_EQ(format_table({"A", "B", "C"}, {{"x"}, {"y\nz", "", "w"}}),
            "A    B  C\n"
            "x\n"
            "y z     w\n");
}

TEST(FormatTable, CountsUtf8CodePoints) {
  EXPECT_EQ(format_table({"N", "X"}, {{"\xc3\xa9t\xc3\xa9", "1"}}),
            "N    X\n"
            "\xc3\xa9t\xc3\xa9  1\n");
}

TEST(FormatDuration, PicksTwoUnits) {
  EXPECT_EQ(format_duration(-5), "0s");
  EXPECT_EQ(format_duration(999), "0s");
  EXPECT_EQ(format_duration(45'000), "45s");
  EXPECT_EQ(format_duration(185'000), "3m05s");
  EXPECT_EQ(format_duration(2 * 3600'000 + 5 * 60'000), "2h05m");
  EXPECT_EQ(format_duration(3 * 86400'000LL + 4 * 3600'000), "3d04h");
}

TEST(FormatAgo, SecondsAgoAndEdgeCases) {
  EXPECT_EQ(format_ago(10'000, 7'000), "3s ago");
  EXPECT_EQ(format_ago(10'000, 0), "never");
  EXPECT_EQ(format_ago(10'000, 12'000), "just now");
}

TEST(FormatTime, LocalWithItsOffsetOrUtc) {
  ::setenv("TZ", "Europe/Paris", 1);
  ::tzset();
  EXPECT_EQ(format_time(1700000000123, false), "2023-11-14 23:13:20 +0100");
  EXPECT_EQ(format_time(1700000000123, true), "2023-11-14 22:13:20 +0000");
  EXPECT_EQ(format_time(0, false), "-");
  ::setenv("TZ", "UTC", 1);
  ::tzset();
}

std::vector<HostRow> hosts(std::initializer_list<const char*> statuses) {
  std::vector<HostRow> out;
  int i = 0;
  for (const char* s : statuses) out.push_back(HostRow{"h" + std::to_string(i++), s});
  return out;
}

TEST(CountHosts, GroupsStatuses) {
  auto c = count_hosts(hosts({"waiting", "running", "killing", "success", "failed", "timeout",
                              "killfailed", "killed", "cancelled", "ignored", "lost"}));
  EXPECT_EQ(c.total, 11);
  EXPECT_EQ(c.waiting, 1);
  EXPECT_EQ(c.running, 2);
  EXPECT_EQ(c.succeeded, 1);
  EXPECT_EQ(c.failed, 5);  // failed, timeout, killfailed, killed, and the unknown "lost"
  EXPECT_EQ(c.skipped, 2);
  EXPECT_EQ(c.finished(), 8);
  EXPECT_FALSE(is_finished_status("killing"));
  EXPECT_TRUE(is_finished_status("some-future-status"));
}

TEST(FormatProgressLine, BarAndCounts) {
  auto c = count_hosts(hosts({"success", "success", "failed", "running", "running", "waiting",
                              "waiting", "waiting", "waiting", "waiting"}));
  EXPECT_EQ(format_progress_line(c, "start", 10),
            "[###-------] 3/10 hosts done  2 running  1 failed");
  EXPECT_EQ(format_progress_line(c, "start", 0), "3/10 hosts done  2 running  1 failed");
}

TEST(FormatProgressLine, FullBarSkippedAndPaused) {
  auto c = count_hosts(hosts({"success", "cancelled"}));
  EXPECT_EQ(format_progress_line(c, "pause", 4),
            "[####] 2/2 hosts done  0 running  0 failed  1 skipped  (task paused)");
  EXPECT_EQ(format_progress_line(HostCounts{}, "", 4),
            "[----] 0/0 hosts done  0 running  0 failed");
}

}  // namespace
}  // namespace mend::cli
