// Under systemd, logs go to the journal without a second timestamp and with a
// "<N>" syslog priority the journal reads; elsewhere each line has its time.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace mend::it {
namespace {

// Starts an agent that cannot reach its server (it logs its start and its
// retries), with stderr in `log`, and returns that log once it has a line.
std::string agent_log(const TempDir& dir, const std::string& log, bool journal) {
  auto path = dir.file(log);
  write_file(path, "");
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  SpawnSpec spec;
  spec.argv = {MEND_AGENT_BIN, "--server", "http://127.0.0.1:1", "--ident", "journal-host", "--spool",
               dir.file(log + "-spool").string()};
  spec.stdout_path = dir.file(log + ".out");
  spec.stderr_path = path;
  if (journal) spec.extra_env = {"JOURNAL_STREAM=" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)};
  Process agent(spec);
  EXPECT_TRUE(wait_until([&] { return read_file(path).find("journal-host") != std::string::npos; }))
      << read_file(path);
  agent.terminate();
  return read_file(path);
}

TEST(JournalLog, UnderSystemdLinesCarryPriorityAndNoTimestamp) {
  TempDir dir;
  std::string log = agent_log(dir, "journal.log", true);
  ASSERT_FALSE(log.empty());
  // Info lines carry priority 6 (warnings, such as plain http://, come first with 4).
  EXPECT_NE(log.find("<6>info mend-agent: mend-agent "), std::string::npos) << log;
  size_t lines = 0;
  for (size_t at = 0; at < log.size();) {
    size_t end = log.find('\n', at);
    std::string line = log.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (!line.empty()) {
      ++lines;
      EXPECT_EQ(line[0], '<') << "line without a priority: " << line;
      // A timestamp would put "20YY-MM-DDT" right after the "<N>" prefix.
      EXPECT_FALSE(line.size() > 13 && line[7] == '-' && line[13] == 'T') << "line with its own timestamp: " << line;
    }
    if (end == std::string::npos) break;
    at = end + 1;
  }
  EXPECT_GE(lines, 1u);
}

TEST(JournalLog, ElsewhereLinesCarryTheirTime) {
  TempDir dir;
  std::string log = agent_log(dir, "plain.log", false);
  ASSERT_FALSE(log.empty());
  // 2026-12-01T00:00:00.000 info mend-agent: ...
  ASSERT_GT(log.size(), 24u);
  EXPECT_EQ(log[4], '-') << log;
  EXPECT_EQ(log[10], 'T') << log;
  EXPECT_EQ(log.find("<6>"), std::string::npos) << log;
}

// A program that inherited JOURNAL_STREAM but writes elsewhere keeps timestamps.
TEST(JournalLog, InheritedVariableForAnotherStreamIsIgnored) {
  TempDir dir;
  auto path = dir.file("other.log");
  SpawnSpec spec;
  spec.argv = {MEND_AGENT_BIN, "--server", "http://127.0.0.1:1", "--ident", "journal-host", "--spool",
               dir.file("other-spool").string()};
  spec.stdout_path = dir.file("other.out");
  spec.stderr_path = path;
  spec.extra_env = {"JOURNAL_STREAM=1:1"};
  Process agent(spec);
  ASSERT_TRUE(wait_until([&] { return read_file(path).find("journal-host") != std::string::npos; }));
  agent.terminate();
  std::string log = read_file(path);
  EXPECT_EQ(log[10], 'T') << log;
}

}  // namespace
}  // namespace mend::it
