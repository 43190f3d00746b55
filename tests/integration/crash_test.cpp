// Crash at every failpoint, restart, and the task still completes with each
// host run exactly once and its result recorded (the scripts log each run).
// Also: Idempotency-Key retries, and the repair loop fixing a task whose
// action row was deleted with SQL (the seed's failure, on purpose).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/cluster_fixture.hpp"
#include "support/wait.hpp"

namespace mend::it {
namespace {

using nlohmann::json;

class CrashTest : public ClusterTest {
 protected:
  // Each run appends its host to runs.log; the output says which run it was.
  std::string logging_script(const std::string& extra = "") const {
    return sh_script("echo \"$MEND_HOST $MEND_DISPATCH_ID\" >> " + dir_->file("runs.log").string() + "\n" + extra +
                     "echo ran-on-$MEND_HOST\n");
  }
  // A logging script that then waits until open_gate().
  std::string gated_script() const {
    return logging_script("while [ ! -e " + gate() + " ]; do sleep 0.05; done\n");
  }
  void open_gate() const { write_file(gate(), ""); }
  std::string gate() const { return dir_->file("go").string(); }
  int runs_on(const std::string& host) const {
    std::istringstream in(read_file(dir_->file("runs.log")));
    std::string h, d;
    int n = 0;
    while (in >> h >> d)
      if (h == host) ++n;
    return n;
  }
  void expect_each_ran_once(int64_t id, const std::vector<std::string>& hosts) {
    IbexApi ibex = api();
    ASSERT_TRUE(ibex.wait_task_done(id));
    for (const auto& h : hosts) {
      EXPECT_EQ(runs_on(h), 1) << h;
      EXPECT_EQ(ibex.host_status(id, h), "success") << h;
      EXPECT_EQ(ibex.host_stdout(id, h), "ran-on-" + h + "\n") << h;
    }
  }
  // Restarts the server with a failpoint armed; returns when it is back up.
  void arm_server(const std::string& failpoint) {
    server_->set_env({"MEND_FAILPOINTS=" + failpoint});
    server_->restart();
    ASSERT_TRUE(api().wait_agents_connected(3));
  }
  void wait_server_died() {
    ASSERT_TRUE(wait_until([&] { return !server_->running(); })) << "the failpoint did not fire";
  }
  void restart_clean() {
    server_->set_env({});
    server_->restart();
    ASSERT_TRUE(api().wait_agents_connected(3));
  }
  // Creates a task running `script` on host-a and waits until the script has
  // started; returns the task's id, or 0 (with the failure recorded) when it
  // did not get that far.
  int64_t start_on_host_a(const std::string& script) {
    int64_t id = api().create_task(task_form({"host-a"}, script));
    if (id <= 0) {
      ADD_FAILURE() << "the task was not created";
      return 0;
    }
    if (!wait_until([&] { return runs_on("host-a") == 1; })) {
      ADD_FAILURE() << "the script never started on host-a";
      return 0;
    }
    return id;
  }
  // Restarts host-a's agent with `failpoint` armed, runs a logging task on
  // it, lets the agent die at the failpoint, starts it again without, and
  // expects the task to finish with host-a run exactly once.
  void crash_agent_and_expect_one_run(const std::string& failpoint) {
    AgentProcess& a = agent("host-a");
    a.stop();
    a.set_env({"MEND_FAILPOINTS=" + failpoint});
    a.start();
    ASSERT_TRUE(api().wait_agents_connected(3));
    int64_t id = api().create_task(task_form({"host-a"}, logging_script()));
    ASSERT_GT(id, 0);
    ASSERT_TRUE(wait_until([&] { return !a.running(); })) << "the failpoint did not fire";
    a.set_env({});
    a.start();
    expect_each_ran_once(id, {"host-a"});
  }
  int64_t only_task_id() {
    auto list = api().http().get("/ibex/v1/tasks");
    EXPECT_EQ(list.status, 200) << list.body;
    auto j = json::parse(list.body, nullptr, false);
    EXPECT_EQ(j["dat"]["total"], 1) << list.body;
    return j["dat"]["list"][0]["id"].get<int64_t>();
  }
};

TEST_F(CrashTest, ServerDiesAfterCommitBeforePush) {
  arm_server("server.after_commit_before_push");
  (void)api().create_task_raw(task_form(kHosts, logging_script()));  // no answer: the server died
  wait_server_died();
  restart_clean();
  expect_each_ran_once(only_task_id(), kHosts);
}

TEST_F(CrashTest, ServerDiesAfterCreateCommitBeforeReplyAndTheRetryGetsTheSameTask) {
  arm_server("server.after_create_commit_before_reply");
  std::string body = task_form(kHosts, logging_script()).dump();
  (void)api().http().request("POST", "/ibex/v1/tasks", body, {{"Idempotency-Key", "retry-1"}});
  wait_server_died();
  restart_clean();
  auto retry = api().http().request("POST", "/ibex/v1/tasks", body, {{"Idempotency-Key", "retry-1"}});
  ASSERT_EQ(retry.status, 200) << retry.body;
  int64_t id = json::parse(retry.body)["dat"].get<int64_t>();
  EXPECT_EQ(id, only_task_id());  // the retry created nothing new
  expect_each_ran_once(id, kHosts);
  auto other = api().http().request("POST", "/ibex/v1/tasks", task_form({"host-a"}, "echo x").dump(),
                                    {{"Idempotency-Key", "retry-1"}});
  EXPECT_EQ(other.status, 422) << other.body;
}

TEST_F(CrashTest, ServerDiesAfterResultCommitBeforeAck) {
  arm_server("server.after_result_commit_before_ack");
  int64_t id = api().create_task(task_form({"host-a"}, logging_script()));
  ASSERT_GT(id, 0);
  wait_server_died();
  restart_clean();
  expect_each_ran_once(id, {"host-a"});
}

TEST_F(CrashTest, AgentDiesAfterSpoolingTheResultBeforeSendingIt) {
  crash_agent_and_expect_one_run("agent.after_result_spooled_before_send");
}

TEST_F(CrashTest, AgentDiesAfterRecordingTheDispatchAndItStillRunsExactlyOnce) {
  // The supervisor was waiting for the agent's go; on EOF it ran the recorded
  // dispatch, and the restarted agent adopted it and reported its result.
  crash_agent_and_expect_one_run("agent.after_record_before_start");
}

TEST_F(CrashTest, RepairLoopRestoresADeletedActionRowAndTheTaskFinishes) {
  int64_t id = start_on_host_a(gated_script());
  ASSERT_GT(id, 0);
  std::string cmd = "sqlite3 " + server_->db_path().string() + " 'DELETE FROM task_actions WHERE task_id = " +
                    std::to_string(id) + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto doctor = api().http().get("/api/v1/doctor");
  ASSERT_EQ(doctor.status, 200);
  EXPECT_NE(doctor.body.find("task_without_action"), std::string::npos) << doctor.body;
  open_gate();
  IbexApi ibex = api();
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_status(id, "host-a"), "success");
  auto metrics = api().http().get("/metrics");
  EXPECT_NE(metrics.body.find("task_without_action"), std::string::npos);
  auto after = api().http().get("/api/v1/doctor");
  EXPECT_EQ(json::parse(after.body)["dat"]["findings"].size(), 0u) << after.body;
}

}  // namespace
}  // namespace mend::it

namespace mend::it {
namespace {

// Scripts run under a supervisor process, so they outlive the agent.
TEST_F(CrashTest, ScriptFinishesWhileTheAgentIsDeadAndTheNextAgentReportsIt) {
  int64_t id = start_on_host_a(gated_script());
  ASSERT_GT(id, 0);
  AgentProcess& a = agent("host-a");
  a.kill9();
  open_gate();
  // With no agent alive, the supervisor sees the script end and spools its result.
  auto result_spooled = [&] {
    std::error_code ec;
    for (const auto& d : std::filesystem::directory_iterator(a.spool_dir() / "dispatches", ec))
      if (std::filesystem::exists(d.path() / "result.json")) return true;
    return false;
  };
  ASSERT_TRUE(wait_until(result_spooled));
  a.start();
  expect_each_ran_once(id, {"host-a"});
}

TEST_F(CrashTest, ARestartedAgentAdoptsAStillRunningScript) {
  int64_t id = start_on_host_a(gated_script());
  ASSERT_GT(id, 0);
  AgentProcess& a = agent("host-a");
  a.kill9();
  a.start();
  ASSERT_TRUE(api().wait_agents_connected(3));
  EXPECT_EQ(api().host_status(id, "host-a"), "running");
  open_gate();
  expect_each_ran_once(id, {"host-a"});
}

TEST_F(CrashTest, AnAdoptedScriptCanBeKilled) {
  int64_t id = start_on_host_a(logging_script("sleep 60\n"));
  ASSERT_GT(id, 0);
  AgentProcess& a = agent("host-a");
  a.kill9();
  a.start();
  ASSERT_TRUE(api().wait_agents_connected(3));
  auto kill = api().host_action(id, "host-a", "kill");
  ASSERT_EQ(kill.status, 200) << kill.body;
  IbexApi ibex = api();
  ASSERT_TRUE(ibex.wait_host_status(id, "host-a", "killed"));
  EXPECT_EQ(runs_on("host-a"), 1);
}

}  // namespace
}  // namespace mend::it
