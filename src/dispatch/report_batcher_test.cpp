// Group commit of agent reports against a real engine and store (SQLite in
// memory, and PostgreSQL when MEND_TEST_PG_URL is set).
#include "dispatch/report_batcher.hpp"

#include <gtest/gtest.h>

#include "store/test_backends.hpp"
#include "testing/fake_clock.hpp"
#include "testing/recording_agent_push.hpp"

namespace mend {
namespace {

class ReportBatcherTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto s = open_store(db.url());
    ASSERT_TRUE(s.ok()) << s.error().message;
    store = std::move(s).value();
    engine = std::make_unique<Engine>(*store, clock, push, metrics);
  }
  testing::FakeClock clock;
  testing::RecordingAgentPush push;
  EngineMetrics metrics;
  testing::TestDatabase db{GetParam()};
  std::unique_ptr<Store> store;
  std::unique_ptr<Engine> engine;
};

TEST_P(ReportBatcherTest, ReportsSubmittedTogetherAreAppliedAndEachGetsItsOutcome) {
  TaskSpec t;
  t.title = "t";
  t.account = "root";
  t.script = "echo hi";
  t.creator = "test";
  t.timeout_s = 10;
  t.hosts = {"a", "b", "c"};
  auto id = engine->create_task(t);
  ASSERT_TRUE(id.ok());
  asio::io_context io;
  ReportBatcher batcher(io.get_executor(), *engine, /*max_batch=*/2);
  std::vector<std::string> outcomes;
  for (const auto& a : push.assigns()) {
    proto::ResultMsg r;
    r.dispatch_id = a.dispatch_id;
    r.status = "success";
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

INSTANTIATE_TEST_SUITE_P(Backends, ReportBatcherTest,
                         ::testing::ValuesIn(testing::store_backends()), testing::backend_name);

}  // namespace
}  // namespace mend
