// A result made while the agent cannot deliver it survives in the agent's
// spool, is delivered once both come back, and the script is not run again.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "support/cluster_fixture.hpp"

namespace mend::it {
namespace {

using nlohmann::json;

class SpoolTest : public ClusterTest {};

size_t count_lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

TEST_F(SpoolTest, ResultSurvivesServerOutageAndAgentCrashAndScriptRunsOnce) {
  IbexApi ibex = api();
  std::string d = dir_->path().string();
  json form = task_form({"host-a"}, sh_script(
      "echo run >> " + d + "/runlog\n"
      "i=0; while [ ! -f " + d + "/go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n"
      "echo 'made while nobody listened'\ntouch " + d + "/finished\n"));
  form["timeout"] = 120;
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(wait_until([&] { return count_lines(read_file(dir_->file("runlog"))) == 1; })) << "script never started";

  // The server goes away while the script runs; the script then finishes.
  ExitStatus st = server_->stop();
  EXPECT_TRUE(st.success()) << "mend-server on SIGTERM: " << st;
  write_file(dir_->file("go"), "");
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir_->file("finished")); }));
  // Give the agent time to reap the script and spool its result, then crash it.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  agent("host-a").kill9();

  server_->restart();
  agent("host-a").set_servers({server_->url()});
  agent("host-a").start();

  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_status(id, "host-a"), "success");
  EXPECT_EQ(ibex.host_stdout(id, "host-a"), "made while nobody listened\n");
  // A re-run would append to the run log; give one a chance to show.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(read_file(dir_->file("runlog")), "run\n") << "the script ran more than once";
}

TEST_F(SpoolTest, ServerRestartKeepsTasksAndAgentsReconnect) {
  IbexApi ibex = api();
  int64_t first = ibex.create_task(task_form(kHosts, sh_script("echo one\n")));
  ASSERT_GT(first, 0);
  ASSERT_TRUE(ibex.wait_task_done(first));

  server_->restart();
  IbexApi after = api();
  bool same_port = after.http().port() == ibex.http().port();
  if (!same_port) {
    for (auto& a : agents_) {
      a->set_servers({server_->url()});
      a->start();
    }
  }
  ASSERT_TRUE(after.wait_agents(kHosts)) << "agents reconnect to the restarted server";
  EXPECT_EQ(after.host_stdout(first, "host-b"), "one\n") << "results survive a restart";
  int64_t second = after.create_task(task_form(kHosts, sh_script("echo two\n")));
  ASSERT_GT(second, 0);
  EXPECT_GT(second, first);
  ASSERT_TRUE(after.wait_task_done(second));
  for (const auto& h : kHosts) EXPECT_EQ(after.host_stdout(second, h), "two\n") << h;
}

}  // namespace
}  // namespace mend::it
