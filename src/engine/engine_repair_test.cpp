// The seed's failure on purpose: damage a running task's rows with raw SQL,
// one kind at a time, and check that the repair loop restores a state from
// which the task finishes, counting what it found. Also ownership: leases,
// takeover after expiry, fencing of a stale owner, and taking back own tasks.
#include <gtest/gtest.h>

#include "engine/engine.hpp"
#include "store/sqlite/test_support.hpp"
#include "testing/fake_clock.hpp"
#include "testing/temp_dir.hpp"
#include "testing/recording_agent_push.hpp"

namespace mend {
namespace {

using sqlite::testing::raw_sql;

class EngineRepairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path = dir.file("mend.db").string();
    engine = make_engine("server-a");
  }

  std::unique_ptr<Engine> make_engine(const std::string& id) {
    auto s = open_store("sqlite:" + path);
    EXPECT_TRUE(s.ok()) << s.error().message;
    stores.push_back(std::move(s).value());
    EngineOptions options;
    options.server_id = id;
    options.lease_ms = 10'000;
    return std::make_unique<Engine>(*stores.back(), clock, push, metrics, options);
  }

  int64_t create_running_task(std::vector<std::string> hosts,
                              std::vector<std::pair<std::string, std::string>> env = {}) {
    TaskSpec t;
    t.env = std::move(env);
    t.title = "t";
    t.account = "root";
    t.script = "echo hi";
    t.creator = "test";
    t.timeout_s = 60;
    t.hosts = std::move(hosts);
    auto id = engine->create_task(t);
    EXPECT_TRUE(id.ok());
    return id.ok() ? *id : 0;
  }

  int64_t dispatch_of(const std::string& host) {
    auto all = push.assigns();
    for (auto it = all.rbegin(); it != all.rend(); ++it)
      if (it->host == host) return it->dispatch_id;
    return 0;
  }

  ResultOutcome report(Engine& e, const std::string& host, int64_t dispatch_id) {
    proto::ResultMsg r;
    r.dispatch_id = dispatch_id;
    r.status = proto::RunOutcome::success;
    auto o = e.apply_result(host, r);
    EXPECT_TRUE(o.ok()) << o.error().message;
    return o.ok() ? *o : ResultOutcome::stale;
  }

  bool done(int64_t id) { return engine->view(id)->task.done; }

  std::vector<std::string> kinds(const std::vector<RepairFinding>& fs) {
    std::vector<std::string> out;
    for (auto& f : fs) out.push_back(f.kind);
    return out;
  }

  testing::TempDir dir;
  std::string path;
  testing::FakeClock clock;
  testing::RecordingAgentPush push;
  EngineMetrics metrics;
  std::vector<std::unique_ptr<Store>> stores;
  std::unique_ptr<Engine> engine;
};

TEST_F(EngineRepairTest, AHealthyDatabaseHasNoFindings) {
  create_running_task({"a", "b"});
  auto f = engine->check_invariants(false);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->empty());
}

TEST_F(EngineRepairTest, MissingActionRowIsRestoredAndTheTaskFinishes) {
  auto id = create_running_task({"a"});
  raw_sql(path, "DELETE FROM task_actions WHERE task_id = " + std::to_string(id));
  auto check = engine->check_invariants(false);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(kinds(*check), std::vector<std::string>{"task_without_action"});
  EXPECT_FALSE(check->front().repaired);

  auto fixed = engine->check_invariants(true);
  ASSERT_TRUE(fixed.ok());
  ASSERT_EQ(fixed->size(), 1u);
  EXPECT_TRUE(fixed->front().repaired);
  EXPECT_EQ(engine->view(id)->task.action, TaskAction::start);
  EXPECT_EQ(report(*engine, "a", dispatch_of("a")), ResultOutcome::applied);
  EXPECT_TRUE(done(id));
  EXPECT_EQ(metrics.repairs_applied["task_without_action"], 1u);
  EXPECT_TRUE(engine->check_invariants(false)->empty());
}

TEST_F(EngineRepairTest, MissingDispatchRowIsRestoredUnderItsIdAndResent) {
  auto id = create_running_task({"a"}, {{"MEND_ALERT_NAME", "DiskFull"}});
  int64_t d = dispatch_of("a");
  push.clear();
  raw_sql(path, "DELETE FROM dispatches WHERE id = " + std::to_string(d));
  auto fixed = engine->check_invariants(true);
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(kinds(*fixed), std::vector<std::string>{"busy_host_without_dispatch"});
  ASSERT_EQ(push.assigns().size(), 1u);
  EXPECT_EQ(push.assigns()[0].dispatch_id, d);  // the same id: the agent runs it at most once
  // Resent as it was first sent, alert environment included.
  using Env = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(push.assigns()[0].env, (Env{{"MEND_ALERT_NAME", "DiskFull"}}));
  EXPECT_EQ(report(*engine, "a", d), ResultOutcome::applied);
  EXPECT_TRUE(done(id));
}

TEST_F(EngineRepairTest, MissingHostRowIsRestoredFromItsOpenDispatch) {
  auto id = create_running_task({"a", "b"});
  int64_t d = dispatch_of("b");
  raw_sql(path, "DELETE FROM task_hosts WHERE task_id = " + std::to_string(id) + " AND host = 'b'");
  auto fixed = engine->check_invariants(true);
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(kinds(*fixed), std::vector<std::string>{"dispatch_without_busy_host"});
  EXPECT_EQ(report(*engine, "a", dispatch_of("a")), ResultOutcome::applied);
  EXPECT_FALSE(done(id));
  EXPECT_EQ(report(*engine, "b", d), ResultOutcome::applied);
  EXPECT_TRUE(done(id));
}

TEST_F(EngineRepairTest, WrongDoneFlagsAreCorrectedBothWays) {
  auto running = create_running_task({"a"});
  auto finished = create_running_task({"b"});
  ASSERT_EQ(report(*engine, "b", dispatch_of("b")), ResultOutcome::applied);
  raw_sql(path, "UPDATE tasks SET done = 1 WHERE id = " + std::to_string(running));
  raw_sql(path, "UPDATE tasks SET done = 0 WHERE id = " + std::to_string(finished));
  auto fixed = engine->check_invariants(true);
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(fixed->size(), 2u);
  EXPECT_FALSE(done(running));
  EXPECT_TRUE(done(finished));
}

TEST_F(EngineRepairTest, ClosedDispatchOfARunningHostIsAppliedToTheHost) {
  auto id = create_running_task({"a"});
  raw_sql(path, "UPDATE dispatches SET finished_ms = 1, result = 'success'");
  auto fixed = engine->check_invariants(true);
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(kinds(*fixed), std::vector<std::string>{"busy_host_without_dispatch"});
  EXPECT_TRUE(done(id));
}

TEST_F(EngineRepairTest, ATaskWithoutOwnerIsTakenAndCounted) {
  auto id = create_running_task({"a"});
  raw_sql(path, "UPDATE tasks SET owner = '' WHERE id = " + std::to_string(id));
  ASSERT_TRUE(engine->tick().ok());
  EXPECT_EQ(metrics.repair_findings["task_without_owner"], 1u);
  EXPECT_EQ(raw_sql(path, "SELECT owner FROM tasks WHERE id = " + std::to_string(id)), "server-a");
}

TEST_F(EngineRepairTest, ExpiredLeaseIsTakenOverAndTheStaleOwnerIsFenced) {
  auto id = create_running_task({"a"});
  auto other = make_engine("server-b");
  ASSERT_TRUE(other->tick().ok());
  EXPECT_EQ(raw_sql(path, "SELECT owner FROM tasks WHERE id = " + std::to_string(id)), "server-a");

  clock.advance_ms(10'001);  // server-a stopped renewing
  ASSERT_TRUE(other->tick().ok());
  EXPECT_EQ(raw_sql(path, "SELECT owner FROM tasks WHERE id = " + std::to_string(id)), "server-b");
  EXPECT_EQ(raw_sql(path, "SELECT epoch FROM tasks WHERE id = " + std::to_string(id)), "2");

  // server-a wakes up: its timeout pass must write nothing for the task.
  clock.advance_ms(60'000 + 3'001);
  ASSERT_TRUE(other->tick().ok());  // server-b renews and times the host out
  EXPECT_EQ(engine->view(id)->hosts[0].status, HostStatus::timeout);
  raw_sql(path, "UPDATE task_hosts SET status = 'running'");  // pretend b has not acted yet
  ASSERT_TRUE(engine->tick().ok());
  EXPECT_EQ(engine->view(id)->hosts[0].status, HostStatus::running);
  EXPECT_EQ(raw_sql(path, "SELECT owner FROM tasks WHERE id = " + std::to_string(id)), "server-b");
}

TEST_F(EngineRepairTest, ARestartedServerTakesItsOwnTasksBackAtOnce) {
  auto id = create_running_task({"a"});
  engine.reset();
  engine = make_engine("server-a");
  ASSERT_TRUE(engine->tick().ok());
  EXPECT_EQ(raw_sql(path, "SELECT epoch FROM tasks WHERE id = " + std::to_string(id)), "2");
  // It schedules the task again: its timeout still fires.
  clock.advance_ms(63'001);
  ASSERT_TRUE(engine->tick().ok());
  EXPECT_EQ(engine->view(id)->hosts[0].status, HostStatus::timeout);
}

}  // namespace
}  // namespace mend
