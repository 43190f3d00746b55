#include "heal/guardrails.hpp"

#include <gtest/gtest.h>

namespace mend::heal {
namespace {

HealRule rule() {
  HealRule r;
  r.name = "r";
  r.template_name = "t";
  r.cooldown_ms = 60'000;
  r.max_tasks = 5;
  r.window_ms = 60'000;
  r.breaker_failures = 3;
  return r;
}

TEST(Guardrails, RunsWhenNothingStopsIt) {
  auto v = decide(rule(), {}, 1'000'000);
  EXPECT_EQ(v.decision, Decision::ran);
  EXPECT_EQ(v.reason, "started template t");
}

TEST(Guardrails, OrderDuplicateBreakerCooldownStormDryRun) {
  GuardFacts f;
  f.active_task_id = 7;
  f.breaker_open = true;
  f.last_ran_ms = 1'000'000 - 1000;
  f.ran_in_window = 5;
  EXPECT_EQ(decide(rule(), f, 1'000'000).decision, Decision::duplicate);
  f.active_task_id.reset();
  EXPECT_EQ(decide(rule(), f, 1'000'000).decision, Decision::breaker_open);
  f.breaker_open = false;
  auto v = decide(rule(), f, 1'000'000);
  EXPECT_EQ(v.decision, Decision::cooldown);
  EXPECT_EQ(v.reason, "ran on this host 1s ago; cooldown is 1m");
  f.last_ran_ms = 1'000'000 - 60'000;  // cooldown over exactly now
  v = decide(rule(), f, 1'000'000);
  EXPECT_EQ(v.decision, Decision::storm_cap);
  EXPECT_EQ(v.reason, "5 runs within 1m; the cap is 5");
  f.ran_in_window = 4;
  auto dry = rule();
  dry.dry_run = true;
  EXPECT_EQ(decide(dry, f, 1'000'000).decision, Decision::dry_run);
  EXPECT_EQ(decide(rule(), f, 1'000'000).decision, Decision::ran);
}

TEST(Guardrails, BreakerOpensAfterConfiguredFailures) {
  GuardFacts f;
  f.consecutive_failures = 2;
  EXPECT_EQ(decide(rule(), f, 0).decision, Decision::ran);
  f.consecutive_failures = 3;
  auto v = decide(rule(), f, 0);
  EXPECT_EQ(v.decision, Decision::breaker_open);
  EXPECT_TRUE(v.opens_breaker);
  auto no_breaker = rule();
  no_breaker.breaker_failures = 0;
  EXPECT_EQ(decide(no_breaker, f, 0).decision, Decision::ran);
}

TEST(Guardrails, ConsecutiveFailuresStopAtSuccess) {
  using S = HostStatus;
  EXPECT_EQ(count_consecutive_failures({S::failed, S::timeout, S::success, S::failed}), 2);
  EXPECT_EQ(count_consecutive_failures({S::cancelled, S::failed, S::ignored, S::killfailed}), 2);
  EXPECT_EQ(count_consecutive_failures({S::success}), 0);
  EXPECT_EQ(count_consecutive_failures({}), 0);
}

TEST(Guardrails, DecisionNamesRoundTrip) {
  for (auto d : {Decision::ran, Decision::duplicate, Decision::cooldown, Decision::storm_cap, Decision::breaker_open,
                 Decision::dry_run, Decision::no_rule, Decision::no_host, Decision::recovered})
    EXPECT_EQ(parse_decision(to_string(d)), d);
  EXPECT_FALSE(parse_decision("maybe"));
}

}  // namespace
}  // namespace mend::heal
