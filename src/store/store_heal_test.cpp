// The heal section of StoreTx, on every backend (store/test_backends.hpp):
// events, records and the guardrail reads, breakers, API definitions, and the
// task env column.
#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "store/sqlite/test_support.hpp"
#include "store/store.hpp"
#include "store/backend_store_test.hpp"
#include "store/test_backends.hpp"

namespace mend {
namespace {

using sqlite::testing::make_spec;

class StoreHealTest : public testing::BackendStoreTest {
 protected:
  int64_t event(StoreTx& tx, const std::string& fp = "fp") {
    auto id = tx.insert_alert_event(sqlite::testing::make_alert_event(fp, R"({"alertname":"A"})"));
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : 0;
  }

  // A record of `decision` about an alert with fingerprint `fp`, created at
  // `at`; returns its id.
  int64_t decided(StoreTx& tx, const std::string& rule, const std::string& host, const std::string& fp,
                  const std::string& decision, const std::string& reason, int64_t at,
                  std::optional<int64_t> task = std::nullopt) {
    auto id = tx.insert_heal_record(
        sqlite::testing::make_heal_record(event(tx, fp), rule, host, fp, decision, reason, at, task));
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : 0;
  }

  // A `ran` record with its task on `host`, created at `at`.
  int64_t ran(StoreTx& tx, const std::string& rule, const std::string& host, const std::string& fp, int64_t at,
              int64_t* task_out = nullptr) {
    auto task = tx.insert_task(make_spec("t", {host}), at);
    EXPECT_TRUE(task.ok()) << task.error().message;
    if (task_out) *task_out = *task;
    return decided(tx, rule, host, fp, "ran", "started", at, *task);
  }

  void set_status(StoreTx& tx, int64_t task, const std::string& host, HostStatus s, bool done) {
    auto run = tx.find_host(task, host);
    ASSERT_TRUE(run.ok() && *run);
    (*run)->status = s;
    ASSERT_TRUE(tx.update_host(**run).ok());
    ASSERT_TRUE(tx.set_done(task, done).ok());
  }

};

TEST_P(StoreHealTest, TaskEnvRoundTripsToOpenDispatches) {
  write([&](StoreTx& tx) {
    TaskSpec spec = make_spec("t", {"h1"});
    spec.env = {{"MEND_ALERT_NAME", "DiskFull"}, {"MEND_ALERT_LABELS", R"({"a":"b"})"}};
    auto id = tx.insert_task(spec, 1000);
    ASSERT_TRUE(id.ok()) << id.error().message;
    auto task = tx.find_task(*id);
    ASSERT_TRUE(task.ok() && *task);
    EXPECT_EQ((*task)->spec.env.size(), 2u);
    ASSERT_TRUE(tx.start_dispatches(*id, {"h1"}, 2000).ok());
    auto open = tx.open_dispatches_for_host("h1");
    ASSERT_TRUE(open.ok());
    ASSERT_EQ(open->size(), 1u);
    std::map<std::string, std::string> env((*open)[0].env.begin(), (*open)[0].env.end());
    EXPECT_EQ(env["MEND_ALERT_NAME"], "DiskFull");
    EXPECT_EQ(env["MEND_ALERT_LABELS"], R"({"a":"b"})");
  });
}

TEST_P(StoreHealTest, HostHasRunDispatchesOnlyWhenAnAgentReported) {
  write([&](StoreTx& tx) {
    auto id = tx.insert_task(make_spec("t", {"started", "succeeded", "failed", "timed-out", "sent", "lost"}), 1000);
    ASSERT_TRUE(id.ok()) << id.error().message;
    std::map<std::string, int64_t> d;
    for (const char* h : {"started", "succeeded", "failed", "timed-out", "sent", "lost"}) {
      auto di = tx.start_dispatches(*id, {h}, 2000);
      ASSERT_TRUE(di.ok()) << di.error().message;
      d[h] = di->front().id;
    }
    ASSERT_TRUE(tx.mark_dispatch_started(d["started"], 2500).ok());
    ASSERT_TRUE(tx.close_dispatch(d["succeeded"], "success", 3000).ok());
    ASSERT_TRUE(tx.close_dispatch(d["failed"], "failed", 3000).ok());
    // The server's own verdicts say nothing about an agent existing.
    ASSERT_TRUE(tx.close_dispatch(d["timed-out"], "timeout", 3000).ok());
    ASSERT_TRUE(tx.close_dispatch(d["lost"], "lost", 3000).ok());
    for (const char* h : {"started", "succeeded", "failed"}) {
      auto known = tx.host_has_run_dispatches(h);
      ASSERT_TRUE(known.ok()) << known.error().message;
      EXPECT_TRUE(*known) << h;
    }
    for (const char* h : {"timed-out", "sent", "lost", "never-seen"}) {
      auto known = tx.host_has_run_dispatches(h);
      ASSERT_TRUE(known.ok()) << known.error().message;
      EXPECT_FALSE(*known) << h;
    }
  });
}

TEST_P(StoreHealTest, GuardrailReads) {
  write([&](StoreTx& tx) {
    int64_t t1 = 0, t2 = 0;
    ran(tx, "r", "h1", "fp1", 1000, &t1);
    ran(tx, "r", "h1", "fp2", 2000, &t2);
    ran(tx, "r", "h2", "fp1", 3000);
    ran(tx, "other", "h1", "fp1", 4000);

    EXPECT_EQ(*tx.active_heal_task("r", "h1", "fp1"), t1);
    EXPECT_FALSE(*tx.active_heal_task("r", "h3", "fp1"));
    set_status(tx, t1, "h1", HostStatus::success, true);
    EXPECT_FALSE(*tx.active_heal_task("r", "h1", "fp1"));  // done tasks are not active

    EXPECT_EQ(*tx.last_heal_run_ms("r", "h1"), 2000);
    EXPECT_FALSE(*tx.last_heal_run_ms("r", "h9"));
    EXPECT_EQ(*tx.count_heal_runs_since("r", 2000), 2);
    EXPECT_EQ(*tx.count_heal_runs_since("r", 0), 3);

    set_status(tx, t2, "h1", HostStatus::failed, true);
    auto statuses = tx.heal_run_statuses("r", 0, 10);
    ASSERT_TRUE(statuses.ok());
    EXPECT_EQ(*statuses, (std::vector<HostStatus>{HostStatus::waiting, HostStatus::failed, HostStatus::success}));
    EXPECT_EQ(tx.heal_run_statuses("r", 1500, 1)->size(), 1u);

    // A skipped decision is no run.
    ASSERT_GT(decided(tx, "r", "h1", "fp1", "cooldown", "ran 1s ago", 5000), 0);
    EXPECT_EQ(*tx.last_heal_run_ms("r", "h1"), 2000);
  });
}

TEST_P(StoreHealTest, ResolveFillsTheNewestUnresolvedRun) {
  write([&](StoreTx& tx) {
    ran(tx, "r", "h1", "fp", 1000);
    int64_t newest = ran(tx, "r", "h1", "fp", 2000);
    auto resolved = tx.resolve_heal_run("r", "h1", "fp", 62'000);
    ASSERT_TRUE(resolved.ok()) << resolved.error().message;
    ASSERT_TRUE(*resolved);
    EXPECT_EQ((*resolved)->id, newest);
    EXPECT_EQ((*resolved)->resolved_ms, 62'000);
    EXPECT_EQ((*resolved)->resolve_after_ms, 60'000);
    auto next = tx.resolve_heal_run("r", "h1", "fp", 70'000);
    ASSERT_TRUE(next.ok() && *next);
    EXPECT_NE((*next)->id, newest);
    EXPECT_FALSE(*tx.resolve_heal_run("r", "h1", "fp", 80'000));
    EXPECT_FALSE(*tx.resolve_heal_run("r", "h2", "fp", 80'000));
  });
}

TEST_P(StoreHealTest, ListRecordsWithFiltersAndCounts) {
  write([&](StoreTx& tx) {
    int64_t task = 0;
    ran(tx, "r", "h1", "fp", 1000, &task);
    set_status(tx, task, "h1", HostStatus::success, true);
    ASSERT_TRUE(tx.resolve_heal_run("r", "h1", "fp", 31'000).ok());
    ran(tx, "r", "h2", "fp", 2000);
    ASSERT_GT(decided(tx, "", "", "x", "no_rule", "no rule matches", 3000), 0);

    HealRecordQuery q;
    auto all = tx.list_heal_records(q);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 3u);
    EXPECT_EQ((*all)[0].decision, "no_rule");  // newest first
    EXPECT_FALSE((*all)[0].task_id);
    EXPECT_EQ((*all)[0].task_status, "");
    EXPECT_EQ((*all)[2].task_status, "success");
    EXPECT_EQ((*all)[2].resolve_after_ms, 30'000);
    q.host = "h2";
    EXPECT_EQ(tx.list_heal_records(q)->size(), 1u);
    q = {};
    q.decision = "ran";
    q.since_ms = 1500;
    EXPECT_EQ(tx.list_heal_records(q)->size(), 1u);
    q = {};
    q.until_ms = 2000;
    EXPECT_EQ(tx.list_heal_records(q)->size(), 1u);
    q = {};
    q.limit = 1;
    q.before_id = (*all)[0].id;
    auto page = tx.list_heal_records(q);
    ASSERT_EQ(page->size(), 1u);
    EXPECT_EQ((*page)[0].id, (*all)[1].id);

    auto tallies = tx.heal_run_tallies(60'000);
    ASSERT_TRUE(tallies.ok());
    ASSERT_EQ(tallies->size(), 2u);
    EXPECT_EQ((*tallies)[0].status, "success");
    EXPECT_EQ((*tallies)[0].resolved_within, 1);
    EXPECT_EQ((*tallies)[1].status, "waiting");
    EXPECT_EQ(tx.heal_run_tallies(10'000)->at(0).resolved_within, 0);

    auto counts = tx.heal_decision_counts();
    ASSERT_TRUE(counts.ok());
    ASSERT_EQ(counts->size(), 2u);
    EXPECT_EQ((*counts)[0].rule, "");
    EXPECT_EQ((*counts)[0].decision, "no_rule");
    EXPECT_EQ((*counts)[1].count, 2);
  });
}

TEST_P(StoreHealTest, BreakersAndDefinitions) {
  write([&](StoreTx& tx) {
    EXPECT_FALSE(*tx.find_heal_breaker("r"));
    ASSERT_TRUE(tx.put_heal_breaker({"r", true, 1000, 0, "3 failures"}).ok());
    ASSERT_TRUE(tx.put_heal_breaker({"r", false, 1000, 2000, "closed"}).ok());
    auto b = tx.find_heal_breaker("r");
    ASSERT_TRUE(b.ok() && *b);
    EXPECT_FALSE((*b)->open);
    EXPECT_EQ((*b)->closed_ms, 2000);
    EXPECT_EQ(tx.list_heal_breakers()->size(), 1u);

    ASSERT_TRUE(tx.put_heal_definition(HealDefinitionKind::heal_template, "t", R"({"name":"t"})", 1).ok());
    ASSERT_TRUE(tx.put_heal_definition(HealDefinitionKind::heal_template, "t", R"({"name":"t","x":1})", 2).ok());
    ASSERT_TRUE(tx.put_heal_definition(HealDefinitionKind::heal_rule, "r", R"({"name":"r"})", 3).ok());
    auto templates = tx.list_heal_definitions(HealDefinitionKind::heal_template);
    ASSERT_EQ(templates->size(), 1u);
    EXPECT_EQ((*templates)[0].body, R"({"name":"t","x":1})");
    EXPECT_EQ((*templates)[0].updated_ms, 2);
    EXPECT_TRUE(*tx.delete_heal_definition(HealDefinitionKind::heal_rule, "r"));
    EXPECT_FALSE(*tx.delete_heal_definition(HealDefinitionKind::heal_rule, "r"));
    EXPECT_TRUE(tx.list_heal_definitions(HealDefinitionKind::heal_rule)->empty());
  });
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreHealTest, ::testing::ValuesIn(mend::testing::store_backends()),
                         mend::testing::backend_name);

}  // namespace
}  // namespace mend
