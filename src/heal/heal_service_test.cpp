// The heal path end to end below HTTP: a real store on each backend, the real
// engine, a fake clock and a recording push.
#include "heal/heal_service.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "engine/backend_engine_test.hpp"
#include "heal/test_fixtures.hpp"
#include "testing/fake_clock.hpp"
#include "testing/recording_agent_push.hpp"
#include "testing/temp_dir.hpp"

namespace mend::heal {
namespace {

using nlohmann::json;

const char* kRules = R"(templates:
  clean-disk:
    title: Clean disk
    account: root
    script: "cat > /tmp/alert.json"
    timeout: 1m
  say-ok:
    title: Recovered
    account: root
    script: "echo ok"
  restart:
    title: Restart
    account: root
    script: "systemctl restart app"
rules:
  - name: disk-full
    matchers: ['alertname="DiskFull"', 'severity=~"critical|page"']
    template: clean-disk
    cooldown: 5m
    on_resolved: say-ok
  - name: n9e-mem
    matchers: ['alertname="mem_used_high"']
    template: restart
  - name: grafana-load
    matchers: ['alertname="High load"']
    template: restart
  - name: queue
    matchers: ['alertname="QueueStuck"']
    template: restart
    host_labels: [host]
  - name: storm
    matchers: ['alertname="Storm"']
    template: restart
    cooldown: 10m
    max_tasks: 30
    window: 1m
  - name: flaky
    matchers: ['alertname="Flaky"']
    template: restart
    breaker_failures: 3
  - name: cautious
    matchers: ['alertname="Cautious"']
    template: restart
    dry_run: true
  - name: hostless
    matchers: ['alertname="Hostless"']
    template: restart
    host_labels: [node]
  - name: patient
    matchers: ['alertname="Patient"']
    template: restart
    require_known_host: false
  - name: greeted
    matchers: ['alertname="Greeted"']
    template: restart
    on_resolved: say-ok
)";

class HealServiceTest : public mend::testing::BackendEngineTest {
 protected:
  void SetUp() override {
    BackendEngineTest::SetUp();
    if (HasFatalFailure()) return;
    rules_path = tmp.file("rules.yaml").string();
    write_rules(kRules);
    service = std::make_unique<HealService>(*store_, *engine, clock, connected_probe());
    auto started = service->start(rules_path);
    ASSERT_TRUE(started.ok()) << started.error().message;
  }
  void write_rules(const std::string& text) { std::ofstream(rules_path, std::ios::trunc) << text; }

  std::vector<HealOutcome> intake(const std::string& source, const std::string& body) {
    auto r = service->intake(source, body);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : std::vector<HealOutcome>{};
  }

  // Takes in the fixture `file`, whose one alert `rule` must remediate on `host`.
  HealOutcome one_ran(const std::string& source, const std::string& file, const std::string& rule,
                      const std::string& host) {
    auto out = intake(source, test_data::fixture(file));
    EXPECT_EQ(out.size(), 1u);
    if (out.empty()) return {};
    EXPECT_EQ(out[0].decision, Decision::ran) << out[0].reason;
    EXPECT_EQ(out[0].rule, rule);
    EXPECT_EQ(out[0].host, host);
    return out[0];
  }

  HealOutcome generic(json labels, const std::string& status = "firing") {
    auto out = intake("generic", json{{"labels", labels}, {"status", status}}.dump());
    EXPECT_EQ(out.size(), 1u);
    return out.empty() ? HealOutcome{} : out[0];
  }

  void report(const HealOutcome& o, const std::string& status) {
    ASSERT_TRUE(o.task_id);
    for (const auto& a : push.assigns()) {
      if (a.task_id != *o.task_id) continue;
      proto::ResultMsg r;
      r.dispatch_id = a.dispatch_id;
      r.task_id = a.task_id;
      r.status = proto::parse_run_outcome(status).value();
      auto applied = engine->apply_result(a.host, r);
      ASSERT_TRUE(applied.ok()) << applied.error().message;
      return;
    }
    FAIL() << "no assign for task " << *o.task_id;
  }

  std::vector<HealRecord> records(HealRecordQuery q = {}) {
    q.limit = 5000;
    auto r = service->records(q);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : std::vector<HealRecord>{};
  }

  RuleStatus status_of(const std::string& rule, int64_t within_ms = 600'000) {
    auto all = service->rule_statuses(within_ms);
    EXPECT_TRUE(all.ok());
    for (auto& s : *all)
      if (s.name == rule) return s;
    ADD_FAILURE() << "no status for " << rule;
    return {};
  }

  // Every host counts as connected except those in `absent`.
  ConnectedProbe connected_probe() {
    return [this](const std::string& host) { return absent.count(host) == 0; };
  }

  std::set<std::string> absent;
  std::unique_ptr<HealService> service;
  mend::testing::TempDir tmp;
  std::string rules_path;
};

INSTANTIATE_TEST_SUITE_P(Backends, HealServiceTest, ::testing::ValuesIn(mend::testing::store_backends()),
                         mend::testing::backend_name);

TEST_P(HealServiceTest, AlertmanagerAlertRunsTemplateOnInstanceHost) {
  auto out = intake("alertmanager", test_data::fixture("alertmanager_firing.json"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].decision, Decision::ran) << out[0].reason;
  EXPECT_EQ(out[0].host, "web-01.example");
  EXPECT_EQ(out[1].host, "fe80::1");
  ASSERT_EQ(push.assigns().size(), 2u);
  proto::Assign a = push.assigns()[0];
  EXPECT_EQ(a.host, "web-01.example");
  EXPECT_EQ(a.script, "cat > /tmp/alert.json");
  auto stdin_json = json::parse(a.stdin_text);
  EXPECT_EQ(stdin_json["mountpoint"], "/var");
  EXPECT_EQ(stdin_json["alert_severity"], "critical");
  EXPECT_EQ(stdin_json["is_recovered"], "false");
  std::map<std::string, std::string> env(a.env.begin(), a.env.end());
  EXPECT_EQ(env["MEND_ALERT_NAME"], "DiskFull");
  EXPECT_EQ(env["MEND_ALERT_FINGERPRINT"], "a1b2c3d4e5f60718");
  EXPECT_EQ(json::parse(env["MEND_ALERT_LABELS"])["instance"], "web-01.example:9100");

  auto view = engine->view(*out[0].task_id);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->task.spec.title, "Clean disk FH: web-01.example");
  EXPECT_EQ(view->task.spec.creator, "heal:disk-full");
  EXPECT_TRUE(view->task.spec.alert_triggered);
  EXPECT_EQ(view->task.spec.env.size(), a.env.size());  // stored, for a reconnecting agent
  auto pending = engine->pending_for_host("web-01.example");
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(std::get<proto::Assign>((*pending)[0]).env, a.env);

  auto recs = records();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].decision, "ran");
  EXPECT_EQ(recs[1].task_id, out[0].task_id);
  EXPECT_EQ(recs[1].task_status, "running");
}

TEST_P(HealServiceTest, RepeatsAndHaCopiesStartNothingNew) {
  intake("alertmanager", test_data::fixture("alertmanager_firing.json"));
  clock.advance_ms(60'000);
  for (int copy = 0; copy < 3; ++copy) {
    auto out = intake("alertmanager", test_data::fixture("alertmanager_firing.json"));
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].decision, Decision::duplicate);
    EXPECT_NE(out[0].reason.find("still remediating"), std::string::npos) << out[0].reason;
  }
  EXPECT_EQ(push.assigns().size(), 2u);
  EXPECT_EQ(records().size(), 8u);
}

TEST_P(HealServiceTest, ResolveFillsTheRecordAndRunsOnResolved) {
  auto fired = intake("alertmanager", test_data::fixture("alertmanager_firing.json"));
  report(fired[0], "success");
  clock.advance_ms(300'000);
  auto out = intake("alertmanager", test_data::fixture("alertmanager_resolved.json"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].decision, Decision::recovered);
  EXPECT_EQ(out[0].reason, "resolved 5m after remediation record 1; started template say-ok");
  ASSERT_TRUE(out[0].task_id);
  EXPECT_EQ(push.assigns().back().script, "echo ok");
  EXPECT_EQ(json::parse(push.assigns().back().stdin_text)["is_recovered"], "true");

  HealRecordQuery q;
  q.decision = "ran";
  q.host = "web-01.example";
  auto ran = records(q);
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(ran[0].resolved_ms, clock.now_ms());
  EXPECT_EQ(ran[0].resolve_after_ms, 300'000);

  RuleStatus s = status_of("disk-full");
  EXPECT_EQ(s.runs, 2);
  EXPECT_EQ(s.successes, 1);
  EXPECT_EQ(s.unfinished, 1);
  EXPECT_EQ(s.resolved_within, 1);
  EXPECT_EQ(status_of("disk-full", 60'000).resolved_within, 0);  // not within one minute

  // A second resolved notification finds nothing left to resolve.
  auto again = intake("alertmanager", test_data::fixture("alertmanager_resolved.json"));
  EXPECT_EQ(again[0].reason, "resolved; no remediation of this alert to update; started template say-ok");
}

TEST_P(HealServiceTest, NightingaleGrafanaAndGenericEachStartTheirRemediation) {
  one_ran("nightingale", "nightingale_event.json", "n9e-mem", "db-07");
  auto stdin_json = json::parse(push.assigns().back().stdin_text);
  EXPECT_EQ(stdin_json["service"], "mysql");
  EXPECT_EQ(stdin_json["alert_severity"], "2");
  EXPECT_EQ(stdin_json["alert_trigger_value"], "93.41");

  one_ran("grafana", "grafana_firing.json", "grafana-load", "app-12");
  one_ran("generic", "generic_firing.json", "queue", "worker-5");
  EXPECT_EQ(push.assigns().size(), 3u);
  EXPECT_EQ(push.assigns().back().host, "worker-5");

  // The list form: one firing (no rule for nginx_down), one recovered.
  auto list = intake("nightingale", test_data::fixture("nightingale_events.json"));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].decision, Decision::no_rule);
  EXPECT_EQ(list[1].decision, Decision::recovered);
  EXPECT_EQ(push.assigns().size(), 3u);  // recovered events do not start the firing template
}

TEST_P(HealServiceTest, StormOfAThousandAlertsForFiftyHosts) {
  // Ten alerts per host, each sent twice (an HA pair), in one second.
  for (int i = 0; i < 1000; ++i) {
    int host = i % 50, n = (i / 50) % 10;
    generic({{"alertname", "Storm"}, {"host", "h" + std::to_string(host)}, {"n", std::to_string(n)}});
    clock.advance_ms(1);
  }
  // The cap lets 30 hosts run; each of those is then in cooldown, and its
  // repeated first alert is a duplicate; the other 20 hosts hit the cap.
  EXPECT_EQ(push.assigns().size(), 30u);
  std::map<std::string, int> by_decision;
  auto recs = records();
  ASSERT_EQ(recs.size(), 1000u);
  for (const auto& r : recs) {
    ++by_decision[r.decision];
    EXPECT_FALSE(r.reason.empty());
    EXPECT_EQ(r.task_id.has_value(), r.decision == "ran");
  }
  EXPECT_EQ(by_decision["ran"], 30);
  EXPECT_EQ(by_decision["duplicate"], 30);
  EXPECT_EQ(by_decision["cooldown"], 540);
  EXPECT_EQ(by_decision["storm_cap"], 400);
  auto counts = service->decision_counts();
  ASSERT_TRUE(counts.ok());
  int64_t total = 0;
  for (auto& c : *counts) total += c.count;
  EXPECT_EQ(total, 1000);

  // A minute later the window has room again, for hosts not in cooldown.
  clock.advance_ms(60'000);
  EXPECT_EQ(generic({{"alertname", "Storm"}, {"host", "h40"}}).decision, Decision::ran);
  EXPECT_EQ(generic({{"alertname", "Storm"}, {"host", "h1"}, {"x", "1"}}).decision, Decision::cooldown);
}

TEST_P(HealServiceTest, BreakerOpensAfterFailuresAndStopsRuns) {
  for (int i = 0; i < 3; ++i) {
    auto o = generic({{"alertname", "Flaky"}, {"host", "a"}, {"i", std::to_string(i)}});
    ASSERT_EQ(o.decision, Decision::ran) << o.reason;
    report(o, i == 1 ? "timeout" : "failed");
  }
  auto o = generic({{"alertname", "Flaky"}, {"host", "a"}, {"i", "3"}});
  EXPECT_EQ(o.decision, Decision::breaker_open);
  EXPECT_EQ(o.reason, "breaker opened: the last 3 runs failed");
  o = generic({{"alertname", "Flaky"}, {"host", "b"}});
  EXPECT_EQ(o.decision, Decision::breaker_open);
  EXPECT_EQ(o.reason, "breaker is open; close it to run this rule again");
  EXPECT_EQ(push.assigns().size(), 3u);
  RuleStatus s = status_of("flaky");
  EXPECT_TRUE(s.breaker.open);
  EXPECT_EQ(s.failures, 3);

  auto closed = service->close_breaker("flaky");
  ASSERT_TRUE(closed.ok());
  EXPECT_FALSE(status_of("flaky").breaker.open);
  clock.advance_ms(1);
  o = generic({{"alertname", "Flaky"}, {"host", "b"}});
  EXPECT_EQ(o.decision, Decision::ran) << o.reason;  // old failures no longer count
  EXPECT_EQ(service->close_breaker("nope").error().code, ErrorCode::not_found);
}

TEST_P(HealServiceTest, SuccessBetweenFailuresKeepsTheBreakerClosed) {
  const char* results[] = {"failed", "failed", "success", "failed", "failed"};
  for (int i = 0; i < 5; ++i) {
    auto o = generic({{"alertname", "Flaky"}, {"host", "a"}, {"i", std::to_string(i)}});
    ASSERT_EQ(o.decision, Decision::ran) << i << ": " << o.reason;
    report(o, results[i]);
  }
}

TEST_P(HealServiceTest, CooldownPerRuleAndHost) {
  auto first = intake("alertmanager", test_data::fixture("alertmanager_firing.json"));
  report(first[0], "success");
  report(first[1], "success");
  clock.advance_ms(60'000);
  auto other = generic({{"alertname", "DiskFull"}, {"severity", "page"}, {"instance", "web-01.example:9100"}});
  EXPECT_EQ(other.decision, Decision::cooldown);
  EXPECT_EQ(other.reason, "ran on this host 1m ago; cooldown is 5m");
  clock.advance_ms(240'000);
  other = generic({{"alertname", "DiskFull"}, {"severity", "page"}, {"instance", "web-01.example:9100"}});
  EXPECT_EQ(other.decision, Decision::ran) << other.reason;
}

TEST_P(HealServiceTest, DryRunNoRuleNoHostAndLonelyRecovery) {
  auto d = generic({{"alertname", "Cautious"}, {"host", "a"}});
  EXPECT_EQ(d.decision, Decision::dry_run);
  EXPECT_EQ(d.reason, "dry run: would start template restart");
  auto n = generic({{"alertname", "Unknown"}, {"host", "a"}});
  EXPECT_EQ(n.decision, Decision::no_rule);
  EXPECT_EQ(n.rule, "");
  auto h = generic({{"alertname", "Hostless"}, {"host", "a"}});
  EXPECT_EQ(h.decision, Decision::no_host);
  EXPECT_EQ(h.reason, "none of the host labels is set: node");
  auto r = generic({{"alertname", "QueueStuck"}, {"host", "q"}}, "resolved");
  EXPECT_EQ(r.decision, Decision::recovered);
  EXPECT_EQ(r.reason, "resolved; no remediation of this alert to update");
  EXPECT_TRUE(push.assigns().empty());
  EXPECT_EQ(records().size(), 4u);  // every event stored with its decision
  HealRecordQuery q;
  q.decision = "no_rule";
  EXPECT_EQ(records(q).size(), 1u);
}

TEST_P(HealServiceTest, HostNoAgentEverServedIsSkippedAsHostUnknown) {
  absent = {"ghost", "was-here"};
  auto g = generic({{"alertname", "QueueStuck"}, {"host", "ghost"}});
  EXPECT_EQ(g.decision, Decision::host_unknown);
  EXPECT_EQ(g.host, "ghost");
  EXPECT_EQ(g.reason, "no agent named \"ghost\" is connected or has ever run a task here (from label host)");
  EXPECT_FALSE(g.task_id);
  EXPECT_TRUE(push.assigns().empty());
  HealRecordQuery q;
  q.decision = "host_unknown";
  ASSERT_EQ(records(q).size(), 1u);
  EXPECT_EQ(records(q)[0].host, "ghost");

  // A rule may opt out: its task waits for the agent.
  auto p = generic({{"alertname", "Patient"}, {"host", "ghost"}});
  EXPECT_EQ(p.decision, Decision::ran);
  EXPECT_TRUE(p.task_id);

  // An agent that ran something here before is known while it is away.
  absent.erase("was-here");
  auto first = generic({{"alertname", "QueueStuck"}, {"host", "was-here"}, {"n", "1"}});
  ASSERT_EQ(first.decision, Decision::ran);
  report(first, "success");
  absent.insert("was-here");
  auto again = generic({{"alertname", "QueueStuck"}, {"host", "was-here"}, {"n", "2"}});
  EXPECT_EQ(again.decision, Decision::ran);

  // A recovery still resolves records, but starts no on_resolved template on an unknown host.
  auto r = generic({{"alertname", "Greeted"}, {"host", "ghost"}}, "resolved");
  EXPECT_EQ(r.decision, Decision::recovered);
  EXPECT_FALSE(r.task_id);
  EXPECT_EQ(r.reason, "resolved; no remediation of this alert to update; host unknown: did not start template say-ok");
}

// Hardening item 3: a bad alert in a batch used to fail the whole request
// after the alerts before it had started their tasks.
TEST_P(HealServiceTest, ABadAlertIsRefusedOnItsOwnAndTheRestOfThePayloadIsDecided) {
  json alerts = json::array();
  for (const char* host : {"ghost-2", "bad\nhost", "ghost-3"})
    alerts.push_back(json{{"labels", {{"alertname", "Patient"}, {"host", host}}}, {"status", "firing"}});
  auto out = intake("generic", alerts.dump());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].decision, Decision::ran);
  EXPECT_EQ(out[1].decision, Decision::refused);
  EXPECT_EQ(out[1].reason, "host label host contains control characters");
  EXPECT_GT(out[1].record_id, 0);
  EXPECT_EQ(out[2].decision, Decision::ran);
  EXPECT_EQ(records().size(), 3u);
}

// Hardening item 2: a payload is decided in bounded steps.
TEST_P(HealServiceTest, DecideTakesAtMostItsStepAndGoesOnWhereItStopped) {
  absent = {"g0", "g1", "g2", "g3", "g4"};
  json alerts = json::array();
  for (int i = 0; i < 5; ++i)
    alerts.push_back(json{{"labels", {{"alertname", "QueueStuck"}, {"host", "g" + std::to_string(i)}}},
                          {"status", "firing"}});
  auto events = service->parse("generic", alerts.dump());
  ASSERT_TRUE(events.ok()) << events.error().message;
  std::vector<HealOutcome> out;
  size_t next = 0;
  ASSERT_TRUE(service->decide(*events, next, 2, out).ok());
  EXPECT_EQ(next, 2u);
  EXPECT_EQ(records().size(), 2u);
  while (next < events->size()) ASSERT_TRUE(service->decide(*events, next, 2, out).ok());
  ASSERT_EQ(out.size(), 5u);
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].decision, Decision::host_unknown);
    EXPECT_EQ(out[i].host, "g" + std::to_string(i));
    EXPECT_GT(out[i].record_id, 0);
  }
  EXPECT_EQ(records().size(), 5u);
}

TEST_P(HealServiceTest, BadPayloadIsRefusedAndNothingStored) {
  auto r = service->intake("alertmanager", R"({"alerts":[{"status":"firing","labels":{"a":1}}]})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_input);
  EXPECT_TRUE(records().empty());
}

TEST_P(HealServiceTest, AMissingRulesFileSaysWhyItCouldNotBeRead) {
  std::filesystem::remove(rules_path);
  auto r = service->reload();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "cannot read rules file " + rules_path + ": No such file or directory");
  EXPECT_TRUE(service->rules().find_rule("disk-full")) << "the old rules stay";
}

TEST_P(HealServiceTest, BadRulesFileIsRefusedWholeAndOldRulesStay) {
  write_rules("templates:\n  t: {title: T, account: root, script: x}\nrules:\n  - name: a\n    template: t\n"
              "    cooldown: 5 minutes\n");
  auto r = service->reload();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("rules.yaml:6: rule \"a\": cooldown: bad duration \"5 minutes\""),
            std::string::npos)
      << r.error().message;
  EXPECT_TRUE(service->rules().find_rule("disk-full"));
  EXPECT_FALSE(service->rules().find_rule("a"));
  write_rules("templates:\n  t: {title: T, account: root, script: x}\nrules:\n  - name: a\n    template: t\n");
  ASSERT_TRUE(service->reload().ok());
  EXPECT_TRUE(service->rules().find_rule("a"));
  EXPECT_FALSE(service->rules().find_rule("disk-full"));
}

TEST_P(HealServiceTest, ApiManagedTemplatesAndRules) {
  auto t = service->catalog().create<HealTemplate>(R"({"name":"api-t","title":"Api","account":"root","script":"echo api"})");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(service->catalog().create<HealTemplate>(R"({"name":"api-t","title":"A","account":"root","script":"x"})").error().code,
            ErrorCode::conflict);
  EXPECT_EQ(service->catalog().create<HealTemplate>(R"({"name":"say-ok","title":"A","account":"root","script":"x"})").error().code,
            ErrorCode::conflict);  // defined in the file
  EXPECT_EQ(service->catalog().create<HealRule>(R"({"name":"api-r","template":"missing"})").error().message,
            "rule \"api-r\": unknown template \"missing\" (known: api-t, clean-disk, restart, say-ok)");
  auto r = service->catalog().create<HealRule>(R"({"name":"api-r","template":"api-t","matchers":["alertname=\"ApiAlert\""]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(service->catalog().remove<HealTemplate>("api-t").error().code, ErrorCode::conflict);  // in use

  auto o = generic({{"alertname", "ApiAlert"}, {"ident", "z"}});
  EXPECT_EQ(o.decision, Decision::ran) << o.reason;
  EXPECT_EQ(push.assigns().back().script, "echo api");

  // Stored: another service on the same database (a restart) has them.
  HealService again(*store_, *engine, clock, connected_probe());
  ASSERT_TRUE(again.start(rules_path).ok());
  ASSERT_TRUE(again.rules().find_rule("api-r"));
  EXPECT_EQ(again.rules().find_rule("api-r")->origin, Origin::api);

  auto replaced = service->catalog().replace<HealRule>("api-r", R"({"name":"api-r","template":"api-t","dry_run":true})");
  ASSERT_TRUE(replaced.ok()) << replaced.error().message;
  EXPECT_TRUE(service->rules().find_rule("api-r")->dry_run);
  EXPECT_EQ(service->catalog().replace<HealRule>("zzz", R"({"name":"zzz","template":"api-t"})").error().code, ErrorCode::not_found);
  ASSERT_TRUE(service->catalog().remove<HealRule>("api-r").ok());
  ASSERT_TRUE(service->catalog().remove<HealTemplate>("api-t").ok());
  EXPECT_EQ(service->catalog().remove<HealRule>("disk-full").error().code, ErrorCode::conflict);
  HealService third(*store_, *engine, clock, connected_probe());
  ASSERT_TRUE(third.start(rules_path).ok());
  EXPECT_FALSE(third.rules().find_rule("api-r"));
}

// Templates and rules change through one path: the same refusals, worded
// with what they are, and a refused change leaves the rules in use as they were.
TEST_P(HealServiceTest, TemplatesAndRulesAreRefusedAlike) {
  RuleCatalog& c = service->catalog();
  const size_t templates = service->rules().templates.size(), rules = service->rules().rules.size();
  auto err = [](const auto& r) { return r.ok() ? std::string("ok") : r.error().message; };
  EXPECT_EQ(err(c.replace<HealTemplate>("x", R"({"name":"y","title":"T","account":"root","script":"true"})")),
            "the body names template \"y\", the path \"x\"");
  EXPECT_EQ(err(c.replace<HealRule>("x", R"({"name":"y","template":"restart"})")),
            "the body names rule \"y\", the path \"x\"");
  EXPECT_EQ(err(c.replace<HealTemplate>("nope", R"({"name":"nope","title":"T","account":"root","script":"true"})")),
            "no template \"nope\"");
  EXPECT_EQ(err(c.remove<HealRule>("nope")), "no rule \"nope\"");
  EXPECT_EQ(err(c.remove<HealTemplate>("restart")),
            "template \"restart\" is defined in the rules file; change it there");
  EXPECT_EQ(err(c.replace<HealRule>("disk-full", R"({"name":"disk-full","template":"restart"})")),
            "rule \"disk-full\" is defined in the rules file; change it there");
  ASSERT_TRUE(c.create<HealTemplate>(R"({"name":"t2","title":"T","account":"root","script":"true"})").ok());
  ASSERT_TRUE(c.create<HealRule>(R"({"name":"r2","template":"t2"})").ok());
  EXPECT_EQ(err(c.create<HealRule>(R"({"name":"r2","template":"t2"})")), "rule \"r2\" exists");
  EXPECT_EQ(err(c.remove<HealTemplate>("t2")), "template \"t2\" is used by rule \"r2\"");
  EXPECT_EQ(err(c.replace<HealRule>("r2", R"({"name":"r2","template":"gone"})")).rfind("rule \"r2\": unknown template", 0),
            0u);
  EXPECT_EQ(service->rules().find_rule("r2")->template_name, "t2");  // the refused change is not in use
  ASSERT_TRUE(c.remove<HealRule>("r2").ok());
  ASSERT_TRUE(c.remove<HealTemplate>("t2").ok());
  EXPECT_EQ(service->rules().templates.size(), templates);
  EXPECT_EQ(service->rules().rules.size(), rules);
}

// A rule acts with the access of whoever last saved it: an owner who loses
// write access to the host's group stops it, recorded `forbidden` (and
// audited), and it starts nothing; so does a host outside the rule's group.
TEST_P(HealServiceTest, RuleWhoseOwnerLostAccessIsForbidden) {
  auth::HostGroups groups(*store_, clock);
  service->set_host_groups(&groups);
  ASSERT_TRUE(groups.create("web", {"web-*"}, "").ok());
  ASSERT_TRUE(store_->transact([&](StoreTx& tx) -> Result<void> {
    MEND_TRY(tx.insert_user(StoredUser{0, "bob", "user", "operator", "", false, 1, 1}));
    return ok();
  }).ok());
  ASSERT_TRUE(groups.grant("web", "bob", auth::GroupAccess::write).ok());
  ASSERT_TRUE(service->catalog().create<HealTemplate>(R"({"name":"fix","title":"Fix","account":"root","script":"true","group":"web"})").ok());
  auto r = service->catalog().create<HealRule>(
      R"({"name":"web-fix","template":"fix","group":"web","owner":"user:mallory","matchers":["alertname=\"WebDown\""]})",
      "user:bob");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->owner, "user:bob");  // the saver, whatever the body says

  auto ran = generic({{"alertname", "WebDown"}, {"ident", "web-01"}});
  EXPECT_EQ(ran.decision, Decision::ran) << ran.reason;
  auto outside = generic({{"alertname", "WebDown"}, {"ident", "db-01"}});
  EXPECT_EQ(outside.decision, Decision::forbidden);
  EXPECT_NE(outside.reason.find("not in group 'web'"), std::string::npos) << outside.reason;

  ASSERT_TRUE(groups.grant("web", "bob", auth::GroupAccess::read).ok());
  const size_t assigns = push.assigns().size();
  auto refused = generic({{"alertname", "WebDown"}, {"ident", "web-02"}});
  EXPECT_EQ(refused.decision, Decision::forbidden);
  EXPECT_FALSE(refused.task_id);
  EXPECT_NE(refused.reason.find("bob"), std::string::npos) << refused.reason;
  EXPECT_EQ(push.assigns().size(), assigns);
  HealRecordQuery q;
  q.decision = "forbidden";
  EXPECT_EQ(records(q).size(), 2u);
  std::vector<AuditRecord> audit;
  ASSERT_TRUE(store_->read([&](StoreTx& tx) -> Result<void> {
    AuditQuery aq;
    aq.action = "heal.run";
    MEND_ASSIGN_OR_RETURN(audit, tx.list_audit(aq));
    return ok();
  }).ok());
  ASSERT_EQ(audit.size(), 3u);  // ran, then the two refusals
  EXPECT_EQ(audit[0].outcome, "refused");
  EXPECT_EQ(audit[0].actor, "web-fix");
  EXPECT_EQ(audit[2].outcome, "ok");

  // A disabled owner reaches nothing either; the rules file's rules are not limited.
  ASSERT_TRUE(groups.grant("web", "bob", auth::GroupAccess::write).ok());
  ASSERT_TRUE(store_->transact([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(auto bob, tx.find_user("bob"));
    bob->disabled = true;
    return tx.update_user(*bob);
  }).ok());
  EXPECT_EQ(generic({{"alertname", "WebDown"}, {"ident", "web-03"}}).decision, Decision::forbidden);
  EXPECT_EQ(generic({{"alertname", "QueueStuck"}, {"host", "db-09"}}).decision, Decision::ran);
}

}  // namespace
}  // namespace mend::heal
