// mendctl as an operator uses it.
#include <gtest/gtest.h>

#include "support/cluster_fixture.hpp"

namespace mend::it {
namespace {

class MendctlTest : public ClusterTest {};

TEST_F(MendctlTest, RunOnThreeHostsExitsZeroAndPrintsOutputs) {
  std::filesystem::path script = dir_->file("hello.sh");
  write_file(script, sh_script("echo \"hello from $MEND_HOST\"\n"));
  RunResult r = mendctl({"run", "--hosts", "host-a,host-b,host-c", "--timeout", "10", script.string()});
  EXPECT_TRUE(r.status.success()) << r.status << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err;
  for (const auto& h : kHosts)
    EXPECT_NE(r.out.find("hello from " + h), std::string::npos) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;
}

TEST_F(MendctlTest, RunReadsTheScriptFromStdinAndHonoursBatch) {
  RunResult r = mendctl({"run", "--hosts", "host-a,host-b", "--batch", "1", "--timeout", "10", "-"},
                        sh_script("echo \"piped on $MEND_HOST\"\n"));
  EXPECT_TRUE(r.status.success()) << r.status << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err;
  EXPECT_NE(r.out.find("piped on host-a"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("piped on host-b"), std::string::npos) << r.out;
}

TEST_F(MendctlTest, RunExitsNonZeroWhenOneHostFails) {
  std::filesystem::path script = dir_->file("fail.sh");
  write_file(script, sh_script("echo \"on $MEND_HOST\"\n[ \"$MEND_HOST\" != host-b ]\n"));
  RunResult r = mendctl({"run", "--hosts", "host-a,host-b,host-c", "--timeout", "10", script.string()});
  EXPECT_TRUE(r.status.exited) << r.status;
  EXPECT_NE(r.status.code, 0) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;
  EXPECT_NE((r.out + r.err).find("host-b"), std::string::npos) << "the failing host is named";
}

TEST_F(MendctlTest, AgentsListsTheConnectedAgents) {
  RunResult r = mendctl({"agents"});
  EXPECT_TRUE(r.status.success()) << r.status << "\n" << r.err;
  for (const auto& h : kHosts) EXPECT_NE(r.out.find(h), std::string::npos) << r.out;
}

TEST_F(MendctlTest, UnreachableServerIsAnErrorNotAHang) {
  RunResult r = run_command({MENDCTL_BIN, "--server", "http://127.0.0.1:1", "agents"}, dir_->path(), "mendctl");
  EXPECT_TRUE(r.status.exited) << r.status;
  EXPECT_NE(r.status.code, 0) << r.out;
  EXPECT_NE(r.err, "") << "says why";
}

}  // namespace
}  // namespace mend::it
