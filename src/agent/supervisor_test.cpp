#include "agent/supervisor.hpp"

#include <gtest/gtest.h>

namespace mend::agent {
namespace {

TEST(SupervisorArgs, RoundTrip) {
  SupervisorOptions o;
  o.spool_dir = "/var/lib/mend agent/spool";
  o.exec.ident = "web-01";
  o.exec.output_limit = 1024;
  o.exec.kill_grace = std::chrono::milliseconds(1500);
  o.log_level = "debug";
  o.control_fd = 5;
  auto args = supervisor_args(o);
  ASSERT_EQ(args.front(), "supervise");
  auto parsed = parse_supervisor_args(std::vector<std::string>(args.begin() + 1, args.end()));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->spool_dir, o.spool_dir);
  EXPECT_EQ(parsed->exec.ident, "web-01");
  EXPECT_EQ(parsed->exec.output_limit, 1024u);
  EXPECT_EQ(parsed->exec.kill_grace.count(), 1500);
  EXPECT_EQ(parsed->log_level, "debug");
  EXPECT_EQ(parsed->control_fd, 5);
}

TEST(SupervisorArgs, RefusesMissingAndBadOptions) {
  EXPECT_FALSE(parse_supervisor_args({"--control-fd", "3"}));
  EXPECT_FALSE(parse_supervisor_args({"--spool", "/tmp/s", "--control-fd", "x"}));
  EXPECT_FALSE(parse_supervisor_args({"--spool", "/tmp/s", "--control-fd", "1"}));
  EXPECT_FALSE(parse_supervisor_args({"--spool", "/tmp/s", "--output-limit", "1"}));
  EXPECT_FALSE(parse_supervisor_args({"--spool", "/tmp/s", "--what", "1"}));
  EXPECT_FALSE(parse_supervisor_args({"--spool", "/tmp/s", "--control-fd"}));
  EXPECT_TRUE(parse_supervisor_args({"--spool", "/tmp/s"}));
}

TEST(SupervisorMain, BadArgumentsExitWithTwo) {
  EXPECT_EQ(supervisor_main({"--nope"}), 2);
}

}  // namespace
}  // namespace mend::agent
