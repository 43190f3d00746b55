// Timeouts and kills end the script's whole process group, and the host
// statuses say what happened.
#include <gtest/gtest.h>

#include <signal.h>

#include "support/cluster_fixture.hpp"

namespace mend::it {
namespace {

using nlohmann::json;

class KillTimeoutTest : public ClusterTest {
 protected:
  pid_t read_pid(const std::string& name) const {
    std::string s = read_file(dir_->file(name));
    try {
      return static_cast<pid_t>(std::stol(s));
    } catch (...) {
      return 0;
    }
  }
  bool wait_pid_file(const std::string& name) const {
    return wait_until([&] { return read_pid(name) > 0; });
  }
  // A script that starts a background sleeper which ignores SIGTERM (so only
  // a KILL of the group ends it), records both pids per host, then sleeps.
  std::string group_script() const {
    std::string d = dir_->path().string();
    return sh_script("(trap '' TERM; exec sleep 300) &\necho $! > " + d + "/bg-$MEND_HOST.pid\n"
                     "echo $$ > " + d + "/main-$MEND_HOST.pid\nexec sleep 300\n");
  }
  void expect_dead(const std::string& host) const {
    pid_t bg = read_pid("bg-" + host + ".pid");
    pid_t main = read_pid("main-" + host + ".pid");
    EXPECT_TRUE(wait_until([&] { return !pid_alive(bg) && !pid_alive(main); }))
        << host << ": script pid " << main << (pid_alive(main) ? " alive" : " gone") << ", background pid " << bg
        << (pid_alive(bg) ? " alive" : " gone");
  }
  void TearDown() override {
    // Do not leave sleepers behind if the product did not kill them.
    for (const auto& h : kHosts)
      for (const char* kind : {"bg-", "main-"})
        if (pid_t p = read_pid(kind + h + ".pid"); p > 0 && pid_alive(p)) ::kill(p, SIGKILL);
    ClusterTest::TearDown();
  }
};

TEST_F(KillTimeoutTest, TimeoutKillsTheWholeProcessGroup) {
  IbexApi ibex = api();
  json form = task_form({"host-a"}, group_script());
  form["timeout"] = 1;
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(wait_pid_file("bg-host-a.pid") && wait_pid_file("main-host-a.pid")) << "script never started";
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_status(id, "host-a"), "timeout");
  expect_dead("host-a");
}

TEST_F(KillTimeoutTest, TaskKillKillsRunningHostAndCancelsWaitingOnes) {
  IbexApi ibex = api();
  json form = task_form(kHosts, group_script());
  form["batch"] = 1;
  form["timeout"] = 90;
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(wait_pid_file("bg-host-a.pid") && wait_pid_file("main-host-a.pid")) << "script never started";

  ASSERT_TRUE(ibex.act(id, "kill"));
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_statuses(id), (std::map<std::string, std::string>{
                                        {"host-a", "killed"}, {"host-b", "cancelled"}, {"host-c", "cancelled"}}));
  expect_dead("host-a");
  EXPECT_EQ(read_pid("main-host-b.pid"), 0) << "host-b never ran";
  EXPECT_EQ(ibex.state(id), "done");
}

TEST_F(KillTimeoutTest, HostKillKillsOnlyThatHost) {
  IbexApi ibex = api();
  json form = task_form({"host-a", "host-b"}, group_script());
  form["timeout"] = 90;
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  for (const char* h : {"host-a", "host-b"})
    ASSERT_TRUE(wait_pid_file(std::string("bg-") + h + ".pid") && wait_pid_file(std::string("main-") + h + ".pid"))
        << h << " never started";

  HttpResponse kill = ibex.host_action(id, "host-a", "kill");
  ASSERT_EQ(kill.status, 200) << kill;
  ASSERT_EQ(kill.err(), "") << kill;
  ASSERT_TRUE(ibex.wait_host_status(id, "host-a", "killed"));
  expect_dead("host-a");
  EXPECT_EQ(ibex.host_status(id, "host-b"), "running");
  EXPECT_TRUE(pid_alive(read_pid("main-host-b.pid"))) << "host-b's script must go on";
  EXPECT_FALSE(ibex.is_done(id));

  kill = ibex.host_action(id, "host-b", "kill");
  ASSERT_EQ(kill.err(), "") << kill;
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_status(id, "host-b"), "killed");
  expect_dead("host-b");
}

TEST_F(KillTimeoutTest, HostKillOfAFinishedHostIsRefused) {
  IbexApi ibex = api();
  json form = task_form({"host-a", "host-b"}, sh_script(
      "if [ \"$MEND_HOST\" = host-b ]; then exec sleep 300; fi\necho done\n"));
  form["timeout"] = 90;
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_host_status(id, "host-a", "success"));
  HttpResponse kill = ibex.host_action(id, "host-a", "kill");
  EXPECT_NE(kill.err(), "") << "kill is only for running/timeout hosts: " << kill;
  EXPECT_EQ(ibex.host_status(id, "host-a"), "success");
  ASSERT_EQ(ibex.task_action(id, "kill").err(), "");
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_status(id, "host-b"), "killed");
}

}  // namespace
}  // namespace mend::it
