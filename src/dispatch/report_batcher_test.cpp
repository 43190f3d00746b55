// Group commit of agent reports against a real engine and store (SQLite in
// memory, and PostgreSQL when MEND_TEST_PG_URL is set).
#include "dispatch/report_batcher.hpp"

#include <gtest/gtest.h>

#include "engine/backend_engine_test.hpp"
#include "store/sqlite/test_support.hpp"
#include "store/test_backends.hpp"
#include "testing/fake_clock.hpp"
#include "testing/recording_agent_push.hpp"

namespace mend {
namespace {

using sqlite::testing::make_spec;

class ReportBatcherTest : public testing::BackendEngineTest {};

TEST_P(ReportBatcherTest, ReportsSubmittedTogetherAreAppliedAndEachGetsItsOutcome) {
  TaskSpec t = make_spec("t", {"a", "b", "c"});
  auto id = engine->create_task(t);
  ASSERT_TRUE(id.ok());
  asio::io_context io;
  ReportBatcher batcher(io.get_executor(), *engine, {.max_batch = 2});
  std::vector<std::string> outcomes;
  for (const auto& a : push.assigns()) {
    proto::ResultMsg r;
    r.dispatch_id = a.dispatch_id;
    r.status = proto::RunOutcome::success;
    batcher.submit(
        AgentReport{a.host, r}, [&outcomes, host = a.host](const Result<ResultOutcome>& res) {
          outcomes.push_back(
              host + (res.ok() && *res == ResultOutcome::applied ? " applied" : " not applied"));
        });
  }
  // Nothing is applied until the executor runs the flush.
  EXPECT_TRUE(outcomes.empty());
  io.run();
  EXPECT_EQ(outcomes, (std::vector<std::string>{"a applied", "b applied", "c applied"}));
  auto v = engine->view(*id);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->task.done);
}

// The real store behind a switch: while `down`, every transaction fails as
// a store does while its database is away.
class SwitchableStore final : public Store {
 public:
  explicit SwitchableStore(Store& inner) : inner_(inner) {}
  bool down = false;
  int refused = 0;
  Result<void> transact(const TxFn& fn) override {
    if (down) return refuse();
    return inner_.transact(fn);
  }
  Result<void> read(const TxFn& fn) override {
    if (down) return refuse();
    return inner_.read(fn);
  }

 private:
  Result<void> refuse() {
    ++refused;
    return make_error(ErrorCode::unavailable, "database is away (test)");
  }
  Store& inner_;
};

TEST_P(ReportBatcherTest, ReportsTheDatabaseCouldNotTakeAreHeldAndCommittedWhenItIsBack) {
  TaskSpec t = make_spec("t", {"a", "b"});
  SwitchableStore switchable(*store_);
  Engine flaky_engine(switchable, clock, push, metrics);
  auto id = flaky_engine.create_task(t);
  ASSERT_TRUE(id.ok()) << id.error().message;
  asio::io_context io;
  ReportBatcher batcher(io.get_executor(), flaky_engine,
                        {.retry_min = std::chrono::milliseconds(10), .retry_max = std::chrono::milliseconds(40)});
  std::vector<std::string> outcomes;
  auto submit = [&](const proto::Assign& a) {
    proto::ResultMsg r;
    r.dispatch_id = a.dispatch_id;
    r.status = proto::RunOutcome::success;
    r.stdout_text = "out of " + a.host;
    batcher.submit(AgentReport{a.host, r}, [&outcomes, host = a.host](const Result<ResultOutcome>& res) {
      outcomes.push_back(host + (res.ok() && *res == ResultOutcome::applied ? " applied" : " not applied"));
    });
  };
  ASSERT_EQ(push.assigns().size(), 2u);
  switchable.down = true;
  submit(push.assigns()[0]);
  // Tried, refused, held, and tried again at least once more while down.
  io.run_for(std::chrono::milliseconds(150));
  EXPECT_TRUE(outcomes.empty());
  EXPECT_EQ(batcher.held(), 1u);
  EXPECT_GE(switchable.refused, 2);
  submit(push.assigns()[1]);  // arrives during the outage too
  io.run_for(std::chrono::milliseconds(20));
  switchable.down = false;
  io.restart();
  io.run_for(std::chrono::milliseconds(300));
  EXPECT_EQ(outcomes, (std::vector<std::string>{"a applied", "b applied"}));
  EXPECT_EQ(batcher.held(), 0u);
  auto v = flaky_engine.view(*id);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_TRUE(v->task.done);
}

TEST_P(ReportBatcherTest, DrainAtShutdownCommitsWhatWasQueuedAndAnswersWhatIsHeld) {
  TaskSpec t = make_spec("t", {"a", "b"});
  SwitchableStore switchable(*store_);
  Engine flaky_engine(switchable, clock, push, metrics);
  ASSERT_TRUE(flaky_engine.create_task(t).ok());
  ASSERT_EQ(push.assigns().size(), 2u);
  asio::io_context io;
  std::vector<std::string> outcomes;
  auto submit = [&](ReportBatcher& batcher, const proto::Assign& a) {
    proto::ResultMsg r;
    r.dispatch_id = a.dispatch_id;
    r.status = proto::RunOutcome::success;
    batcher.submit(AgentReport{a.host, r}, [&outcomes, host = a.host](const Result<ResultOutcome>& res) {
      outcomes.push_back(host + (res.ok() ? " applied" : " " + std::string(to_string(res.error().code))));
    });
  };
  // Queued and not yet flushed by the executor: drain() commits it.
  ReportBatcher first(io.get_executor(), flaky_engine);
  submit(first, push.assigns()[0]);
  first.drain();
  EXPECT_EQ(outcomes, (std::vector<std::string>{"a applied"}));
  // Held while the database is away: drain() answers it with the failure
  // (the agent keeps it and sends it to the next server) instead of holding
  // it for a retry that will not come.
  ReportBatcher second(io.get_executor(), flaky_engine);
  switchable.down = true;
  submit(second, push.assigns()[1]);
  io.run_for(std::chrono::milliseconds(20));
  EXPECT_EQ(second.held(), 1u);
  second.drain();
  EXPECT_EQ(second.held(), 0u);
  EXPECT_EQ(outcomes, (std::vector<std::string>{"a applied", "b unavailable"}));
}

TEST_P(ReportBatcherTest, BeyondItsBoundsABatchIsAnsweredWithTheFailureAsBefore) {
  TaskSpec t = make_spec("t", {"a"});
  SwitchableStore switchable(*store_);
  Engine flaky_engine(switchable, clock, push, metrics);
  ASSERT_TRUE(flaky_engine.create_task(t).ok());
  asio::io_context io;
  ReportBatcher batcher(io.get_executor(), flaky_engine, {.max_held_bytes = 4});
  std::vector<ErrorCode> failures;
  switchable.down = true;
  proto::ResultMsg r;
  r.dispatch_id = push.assigns().at(0).dispatch_id;
  r.status = proto::RunOutcome::success;
  r.stdout_text = "more than four bytes";
  batcher.submit(AgentReport{"a", r}, [&](const Result<ResultOutcome>& res) {
    if (!res.ok()) failures.push_back(res.error().code);
  });
  io.run_for(std::chrono::milliseconds(50));
  // Not held: the agent keeps it and sends it again.
  EXPECT_EQ(failures, std::vector<ErrorCode>{ErrorCode::unavailable});
  EXPECT_EQ(batcher.held(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, ReportBatcherTest,
                         ::testing::ValuesIn(testing::store_backends()), testing::backend_name);

}  // namespace
}  // namespace mend
