// State machine tests: a real store (SQLite in memory, and PostgreSQL when
// MEND_TEST_PG_URL is set: store/test_backends.hpp), a fake clock, and a
// recording push, so every scheduling rule is checked to the millisecond.
#include "engine/engine.hpp"

#include <gtest/gtest.h>

#include "engine/backend_engine_test.hpp"
#include "store/test_backends.hpp"
#include "testing/fake_clock.hpp"
#include "testing/recording_agent_push.hpp"

namespace mend {
namespace {

class EngineTest : public testing::BackendEngineTest {
 protected:
  TaskSpec spec(std::vector<std::string> hosts, int batch = 0, int tolerance = 0) {
    TaskSpec t;
    t.title = "t FH: " + hosts.front();
    t.account = "root";
    t.script = "echo hi";
    t.creator = "test";
    t.batch = batch;
    t.tolerance = tolerance;
    t.timeout_s = 10;
    t.hosts = std::move(hosts);
    return t;
  }

  int64_t create(const TaskSpec& s) {
    auto id = engine->create_task(s);
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : 0;
  }

  TaskView view(int64_t id) {
    auto v = engine->view(id);
    EXPECT_TRUE(v.ok());
    return v.ok() ? *v : TaskView{};
  }

  std::string status_of(int64_t id, const std::string& host) {
    for (auto& h : view(id).hosts)
      if (h.host == host) return std::string(to_string(h.status));
    return "<missing>";
  }

  std::optional<int> exit_code_of(int64_t id, const std::string& host) {
    for (auto& h : view(id).hosts)
      if (h.host == host) return h.exit_code;
    ADD_FAILURE() << "no host " << host;
    return std::nullopt;
  }

  proto::Assign assign_for(const std::string& host) {
    auto all = push.assigns();
    for (auto it = all.rbegin(); it != all.rend(); ++it)
      if (it->host == host) return *it;
    ADD_FAILURE() << "no assign for " << host;
    return {};
  }

  ResultOutcome report(const std::string& host, const std::string& status, const std::string& out = "",
                       int exit_code = -1) {
    proto::ResultMsg r;
    r.dispatch_id = assign_for(host).dispatch_id;
    r.status = proto::parse_run_outcome(status).value();
    r.stdout_text = out;
    r.exit_code = exit_code;
    auto o = engine->apply_result(host, r);
    EXPECT_TRUE(o.ok()) << o.error().message;
    return o.ok() ? *o : ResultOutcome::stale;
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, EngineTest, ::testing::ValuesIn(testing::store_backends()),
                         testing::backend_name);

TEST_P(EngineTest, BatchZeroDispatchesEveryHostAtOnce) {
  auto id = create(spec({"a", "b", "c"}));
  EXPECT_EQ(push.assigns().size(), 3u);
  EXPECT_EQ(status_of(id, "a"), "running");
  EXPECT_EQ(status_of(id, "c"), "running");
  EXPECT_EQ(assign_for("b").task_id, id);
  EXPECT_EQ(assign_for("b").script, "echo hi");
}

// Hardening item 2: a task started on many hosts starts them in bounded
// steps, each its own transaction, with the server's other work between them.
TEST_P(EngineTest, AContinuationStartsAManyHostTaskInBoundedSteps) {
  EngineOptions o;
  o.max_starts_per_transaction = 2;
  engine = std::make_unique<Engine>(*store_, clock, push, metrics, o);
  std::vector<int64_t> continued;
  engine->set_continuation([&](int64_t task_id) { continued.push_back(task_id); });
  auto id = create(spec({"a", "b", "c", "d", "e"}));
  // The first step starts two hosts and asks to go on.
  EXPECT_EQ(push.assigns().size(), 2u);
  EXPECT_EQ(status_of(id, "c"), "waiting");
  ASSERT_EQ(continued, std::vector<int64_t>{id});
  // Other work runs between the steps: a result of the first step.
  EXPECT_EQ(report("a", "success"), ResultOutcome::applied);
  for (int step = 0; step < 5 && !continued.empty(); ++step) {
    continued.clear();
    ASSERT_TRUE(engine->continue_task(id).ok());
  }
  EXPECT_TRUE(continued.empty());
  EXPECT_EQ(push.assigns().size(), 5u);
  for (const char* h : {"b", "c", "d", "e"}) EXPECT_EQ(status_of(id, h), "running") << h;
}

TEST_P(EngineTest, WithoutAContinuationEveryHostStartsAtOnce) {
  EngineOptions o;
  o.max_starts_per_transaction = 2;
  engine = std::make_unique<Engine>(*store_, clock, push, metrics, o);
  create(spec({"a", "b", "c", "d", "e"}));
  EXPECT_EQ(push.assigns().size(), 5u);
}

TEST_P(EngineTest, BatchKeepsAtMostNRunningInHostOrder) {
  auto id = create(spec({"a", "b", "c"}, 2));
  ASSERT_EQ(push.assigns().size(), 2u);
  EXPECT_EQ(push.assigns()[0].host, "a");
  EXPECT_EQ(push.assigns()[1].host, "b");
  EXPECT_EQ(status_of(id, "c"), "waiting");
  EXPECT_EQ(report("b", "success"), ResultOutcome::applied);
  EXPECT_EQ(status_of(id, "c"), "running");
  EXPECT_FALSE(view(id).task.done);
  report("a", "success");
  report("c", "success");
  EXPECT_TRUE(view(id).task.done);
}

TEST_P(EngineTest, FailuresBeyondTolerancePauseTheTask) {
  auto id = create(spec({"a", "b", "c"}, 1, 0));
  report("a", "failed");
  EXPECT_EQ(view(id).task.action, TaskAction::pause);
  EXPECT_EQ(status_of(id, "b"), "waiting");
  ASSERT_TRUE(engine->task_action(id, TaskAction::start).ok());
  // Still over tolerance: start re-pauses without dispatching, as Ibex does.
  EXPECT_EQ(view(id).task.action, TaskAction::pause);
  EXPECT_EQ(status_of(id, "b"), "waiting");
}

TEST_P(EngineTest, FailuresWithinToleranceKeepGoing) {
  auto id = create(spec({"a", "b", "c"}, 1, 1));
  report("a", "failed");
  EXPECT_EQ(view(id).task.action, TaskAction::start);
  EXPECT_EQ(status_of(id, "b"), "running");
  report("b", "timeout");
  EXPECT_EQ(view(id).task.action, TaskAction::pause);
  EXPECT_EQ(status_of(id, "c"), "waiting");
}

TEST_P(EngineTest, PauseListStopsAfterThatHostAndStartResumes) {
  auto s = spec({"a", "b", "c"});
  s.pause = "b";
  auto id = create(s);
  EXPECT_EQ(status_of(id, "a"), "running");
  EXPECT_EQ(status_of(id, "b"), "running");
  EXPECT_EQ(status_of(id, "c"), "waiting");
  EXPECT_EQ(view(id).task.action, TaskAction::pause);
  ASSERT_TRUE(engine->task_action(id, TaskAction::start).ok());
  EXPECT_EQ(status_of(id, "c"), "running");
}

TEST_P(EngineTest, CreatedPausedDispatchesNothing) {
  auto s = spec({"a"});
  s.action = TaskAction::pause;
  auto id = create(s);
  EXPECT_TRUE(push.assigns().empty());
  ASSERT_TRUE(engine->task_action(id, TaskAction::start).ok());
  EXPECT_EQ(status_of(id, "a"), "running");
}

TEST_P(EngineTest, PauseStopsNewDispatchesButRunningHostsGoOn) {
  auto id = create(spec({"a", "b"}, 1));
  ASSERT_TRUE(engine->task_action(id, TaskAction::pause).ok());
  report("a", "success");
  EXPECT_EQ(status_of(id, "a"), "success");
  EXPECT_EQ(status_of(id, "b"), "waiting");
}

TEST_P(EngineTest, CancelCancelsWaitingHosts) {
  auto id = create(spec({"a", "b", "c"}, 1));
  ASSERT_TRUE(engine->task_action(id, TaskAction::cancel).ok());
  EXPECT_EQ(status_of(id, "b"), "cancelled");
  EXPECT_EQ(status_of(id, "a"), "running");
  EXPECT_FALSE(view(id).task.done);
  report("a", "success");
  EXPECT_TRUE(view(id).task.done);
}

TEST_P(EngineTest, KillSendsKillToRunningAndCancelsWaiting) {
  auto id = create(spec({"a", "b"}, 1));
  ASSERT_TRUE(engine->task_action(id, TaskAction::kill).ok());
  EXPECT_EQ(status_of(id, "a"), "killing");
  EXPECT_EQ(status_of(id, "b"), "cancelled");
  ASSERT_EQ(push.kills().size(), 1u);
  EXPECT_EQ(push.kills()[0].dispatch_id, assign_for("a").dispatch_id);
  report("a", "killed");
  EXPECT_EQ(status_of(id, "a"), "killed");
  EXPECT_TRUE(view(id).task.done);
}

TEST_P(EngineTest, ActionsOnAFinishedTaskAreRefusedWithIbexWords) {
  auto id = create(spec({"a"}));
  report("a", "success");
  auto r = engine->task_action(id, TaskAction::start);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::conflict);
  EXPECT_EQ(r.error().message, "task already finished, no more action can do");
  EXPECT_FALSE(engine->host_action(id, "a", HostAction::redo).ok());
}

TEST_P(EngineTest, UnknownTaskAndHostAreNotFound) {
  EXPECT_EQ(engine->task_action(999, TaskAction::start).error().code, ErrorCode::not_found);
  auto id = create(spec({"a"}));
  EXPECT_EQ(engine->host_action(id, "zz", HostAction::ignore).error().code, ErrorCode::not_found);
}

TEST_P(EngineTest, HostTimesOutThreeSecondsAfterItsTimeoutAndALateResultStillCounts) {
  auto id = create(spec({"a"}));
  clock.advance_ms(10'000 + 3'000);
  ASSERT_TRUE(engine->tick().ok());
  EXPECT_EQ(status_of(id, "a"), "running");
  clock.advance_ms(1);
  ASSERT_TRUE(engine->tick().ok());
  EXPECT_EQ(status_of(id, "a"), "timeout");
  EXPECT_TRUE(view(id).task.done);
  EXPECT_EQ(metrics.host_timeouts, 1u);
  EXPECT_EQ(report("a", "success", "late"), ResultOutcome::applied);
  EXPECT_EQ(status_of(id, "a"), "success");
  EXPECT_EQ(view(id).hosts[0].stdout_text, "late");
}

TEST_P(EngineTest, AKillNobodyAnswersBecomesKillfailedAndALateAnswerStillCounts) {
  auto id = create(spec({"a", "b"}, 0, /*tolerance=*/5));
  ASSERT_TRUE(engine->task_action(id, TaskAction::kill).ok());
  EXPECT_EQ(status_of(id, "a"), "killing");
  report("b", "killed");
  clock.advance_ms(60'000);
  ASSERT_TRUE(engine->tick().ok());
  EXPECT_EQ(status_of(id, "a"), "killing");  // not yet: the deadline is 60 s
  EXPECT_FALSE(view(id).task.done);
  clock.advance_ms(1);
  ASSERT_TRUE(engine->tick().ok());
  EXPECT_EQ(status_of(id, "a"), "killfailed");
  EXPECT_EQ(status_of(id, "b"), "killed");
  EXPECT_TRUE(view(id).task.done);
  EXPECT_EQ(metrics.kills_unanswered, 1u);
  // The agent comes back: the kill is still pending for it, and its answer lands.
  auto pending = engine->pending_for_host("a");
  ASSERT_TRUE(pending.ok()) << pending.error().message;
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_TRUE(std::holds_alternative<proto::Kill>((*pending)[0]));
  EXPECT_EQ(report("a", "killed"), ResultOutcome::applied);
  EXPECT_EQ(status_of(id, "a"), "killed");
  auto findings = engine->check_invariants(false);
  ASSERT_TRUE(findings.ok());
  EXPECT_TRUE(findings->empty());
}

TEST_P(EngineTest, RepeatedResultIsANoOp) {
  auto id = create(spec({"a"}));
  EXPECT_EQ(report("a", "failed", "first"), ResultOutcome::applied);
  EXPECT_EQ(report("a", "success", "second"), ResultOutcome::duplicate);
  EXPECT_EQ(status_of(id, "a"), "failed");
  EXPECT_EQ(view(id).hosts[0].stdout_text, "first");
}

TEST_P(EngineTest, ResultForAnotherHostsDispatchIsRefused) {
  create(spec({"a", "b"}));
  proto::ResultMsg r;
  r.dispatch_id = assign_for("a").dispatch_id;
  r.status = proto::RunOutcome::success;
  auto o = engine->apply_result("b", r);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().code, ErrorCode::invalid_input);
}

TEST_P(EngineTest, ReportsOfManyHostsCommitTogetherAndARefusedOneStopsNothing) {
  int64_t id = create(spec({"a", "b", "c"}, 0, /*tolerance=*/1));
  auto result = [](int64_t dispatch, const char* status) {
    proto::ResultMsg r;
    r.dispatch_id = dispatch;
    r.status = proto::parse_run_outcome(status).value();
    return r;
  };
  const int64_t da = assign_for("a").dispatch_id, db = assign_for("b").dispatch_id,
                dc = assign_for("c").dispatch_id;
  std::vector<AgentReport> batch = {
      {"a", proto::Started{da}},        {"a", result(da, "success")}, {"b", result(db, "success")},
      {"b", result(dc, "success")},  // c's dispatch from b: refused
      {"c", result(dc, "failed")},      {"c", result(dc, "failed")},  // the same again
  };
  auto out = engine->apply_reports(batch);
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_EQ(out->size(), 6u);
  EXPECT_TRUE((*out)[0].ok());
  EXPECT_EQ(*(*out)[1], ResultOutcome::applied);
  EXPECT_EQ(*(*out)[2], ResultOutcome::applied);
  ASSERT_FALSE((*out)[3].ok());
  EXPECT_EQ((*out)[3].error().code, ErrorCode::invalid_input);
  EXPECT_EQ(*(*out)[4], ResultOutcome::applied);
  EXPECT_EQ(*(*out)[5], ResultOutcome::duplicate);
  EXPECT_EQ(status_of(id, "a"), "success");
  EXPECT_EQ(status_of(id, "c"), "failed");
  EXPECT_TRUE(view(id).task.done);
  EXPECT_EQ(metrics.results_applied, 3);
  EXPECT_EQ(metrics.results_duplicate, 1);
  // a's start came in the batch of its result: one write records both.
  auto dispatches = store_->read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(std::vector<Dispatch> found, tx.find_dispatches({da, db}));
    EXPECT_EQ(found.size(), 2u);
    if (found.size() != 2u) return ok();
    EXPECT_EQ(found[0].started_ms, clock.now_ms());
    EXPECT_EQ(found[0].finished_ms, clock.now_ms());
    EXPECT_EQ(found[1].started_ms, 0) << "b never said it started";
    return ok();
  });
  EXPECT_TRUE(dispatches.ok()) << dispatches.error().message;
}

TEST_P(EngineTest, ABatchOfResultsSchedulesTheNextHostsOnce) {
  int64_t id = create(spec({"a", "b", "c", "d"}, /*batch=*/2));
  ASSERT_EQ(push.assigns().size(), 2u);
  std::vector<AgentReport> batch;
  for (const char* h : {"a", "b"}) {
    proto::ResultMsg r;
    r.dispatch_id = assign_for(h).dispatch_id;
    r.status = proto::RunOutcome::success;
    batch.push_back({h, r});
  }
  ASSERT_TRUE(engine->apply_reports(batch).ok());
  // Both freed slots filled by one scheduling pass: c and d, each once.
  ASSERT_EQ(push.assigns().size(), 4u);
  EXPECT_EQ(status_of(id, "c"), "running");
  EXPECT_EQ(status_of(id, "d"), "running");
}

TEST_P(EngineTest, RedoRunsTheHostAgainWithANewDispatch) {
  auto id = create(spec({"a", "b"}, 0, 5));
  auto first = assign_for("a").dispatch_id;
  report("a", "failed", "", 3);
  EXPECT_EQ(exit_code_of(id, "a"), 3);
  ASSERT_TRUE(engine->host_action(id, "a", HostAction::redo).ok());
  EXPECT_EQ(status_of(id, "a"), "running");
  EXPECT_EQ(exit_code_of(id, "a"), std::nullopt) << "the new run has not ended";
  auto second = assign_for("a").dispatch_id;
  EXPECT_NE(first, second);
  report("a", "success", "", 0);
  EXPECT_EQ(status_of(id, "a"), "success");
  EXPECT_EQ(exit_code_of(id, "a"), 0);
  report("b", "timeout");  // an agent that does not say (-1): no exit code
  EXPECT_EQ(exit_code_of(id, "b"), std::nullopt);
}

TEST_P(EngineTest, ResultOfASupersededAttemptChangesNothing) {
  auto id = create(spec({"a", "b"}, 1, 5));
  auto first = assign_for("a").dispatch_id;
  clock.advance_ms(13'001);
  ASSERT_TRUE(engine->tick().ok());  // a times out, b starts: the task is not done
  ASSERT_TRUE(engine->host_action(id, "a", HostAction::redo).ok());
  proto::ResultMsg late;
  late.dispatch_id = first;
  late.status = proto::RunOutcome::success;
  auto o = engine->apply_result("a", late);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(*o, ResultOutcome::duplicate);  // closed as superseded by the redo
  EXPECT_EQ(status_of(id, "a"), "running");
}

TEST_P(EngineTest, IgnoreAndHostKill) {
  auto id = create(spec({"a", "b"}));
  ASSERT_TRUE(engine->host_action(id, "a", HostAction::ignore).ok());
  EXPECT_EQ(status_of(id, "a"), "ignored");
  ASSERT_TRUE(engine->host_action(id, "b", HostAction::kill).ok());
  EXPECT_EQ(status_of(id, "b"), "killing");
  EXPECT_EQ(push.kills().size(), 1u);
  auto again = engine->host_action(id, "b", HostAction::kill);
  EXPECT_EQ(again.error().code, ErrorCode::conflict);
  report("b", "killfailed");
  EXPECT_EQ(status_of(id, "b"), "killfailed");
  EXPECT_TRUE(view(id).task.done);
}

TEST_P(EngineTest, TasksIdleForTwoWeeksAreCancelled) {
  auto id = create(spec({"a", "b"}, 1, 5));
  clock.advance_ms(14LL * 24 * 3600 * 1000 + 1);
  ASSERT_TRUE(engine->tick().ok());
  EXPECT_EQ(view(id).task.action, TaskAction::cancel);
  EXPECT_EQ(status_of(id, "b"), "cancelled");
  EXPECT_EQ(metrics.stale_tasks_cancelled, 1u);
}

TEST_P(EngineTest, PendingForHostResendsAssignAndKill) {
  auto id = create(spec({"a", "b"}));
  ASSERT_TRUE(engine->host_action(id, "b", HostAction::kill).ok());
  auto a = engine->pending_for_host("a");
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 1u);
  EXPECT_TRUE(std::holds_alternative<proto::Assign>((*a)[0]));
  auto b = engine->pending_for_host("b");
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->size(), 1u);
  EXPECT_TRUE(std::holds_alternative<proto::Kill>((*b)[0]));
  report("a", "success");
  EXPECT_TRUE(engine->pending_for_host("a")->empty());
}

// A reconnecting agent is sent the same Assign as at dispatch, field for
// field, for every task it has open, in dispatch order, kills included.
TEST_P(EngineTest, PendingForHostMatchesWhatWasPushedAcrossSeveralTasks) {
  TaskSpec first = spec({"a"});
  first.args = "x,,y";
  first.stdin_text = "{}";
  first.env = {{"MEND_ALERT_NAME", "disk"}};
  auto one = create(first);
  auto two = create(spec({"a", "b"}));
  auto three = create(spec({"a"}));
  ASSERT_TRUE(engine->host_action(two, "a", HostAction::kill).ok());
  std::vector<proto::Assign> pushed;
  for (const auto& a : push.assigns())
    if (a.host == "a") pushed.push_back(a);
  ASSERT_EQ(pushed.size(), 3u);
  auto pending = engine->pending_for_host("a");
  ASSERT_TRUE(pending.ok()) << pending.error().message;
  ASSERT_EQ(pending->size(), 3u);
  auto* a1 = std::get_if<proto::Assign>(&(*pending)[0]);
  auto* k2 = std::get_if<proto::Kill>(&(*pending)[1]);
  auto* a3 = std::get_if<proto::Assign>(&(*pending)[2]);
  ASSERT_TRUE(a1 && k2 && a3);
  EXPECT_EQ(proto::encode(*a1), proto::encode(pushed[0]));
  EXPECT_EQ(a1->task_id, one);
  EXPECT_EQ(a1->env, first.env);
  EXPECT_EQ(k2->task_id, two);
  EXPECT_EQ(proto::encode(*a3), proto::encode(pushed[2]));
  EXPECT_EQ(a3->task_id, three);
}

TEST_P(EngineTest, TimedOutHostIsNotStartedLateOnReconnect) {
  create(spec({"a"}));
  clock.advance_ms(13'001);
  ASSERT_TRUE(engine->tick().ok());
  EXPECT_TRUE(engine->pending_for_host("a")->empty());
}

TEST_P(EngineTest, LiveOutputIsStoredForTheCurrentDispatchOnly) {
  auto id = create(spec({"a"}));
  ASSERT_TRUE(engine->apply_output("a", {assign_for("a").dispatch_id, "partial", ""}).ok());
  EXPECT_EQ(view(id).hosts[0].stdout_text, "partial");
  EXPECT_EQ(status_of(id, "a"), "running");
}

TEST_P(EngineTest, StartedFeedsTheLatencyHistogram) {
  create(spec({"a"}));
  ASSERT_TRUE(engine->apply_started("a", {assign_for("a").dispatch_id}).ok());
  EXPECT_EQ(metrics.dispatch_to_start.count, 1u);
}

}  // namespace
}  // namespace mend
