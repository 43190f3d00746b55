// The heal routes through ApiService (auth, routing, envelope) over a real
// in-memory store and engine, without a socket.
#include "api/heal_routes.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "api/api_service.hpp"
#include "testing/fake_clock.hpp"
#include "testing/recording_agent_push.hpp"
#include "testing/temp_dir.hpp"

namespace mend {
namespace {

using nlohmann::json;

const char* kRules = R"(templates:
  fix: {title: Fix, account: root, script: "echo fix"}
rules:
  - name: disk
    matchers: ['alertname="DiskFull"']
    template: fix
    breaker_failures: 1
)";

const char* kAlertmanager = R"({"version":"4","status":"firing","receiver":"mend","groupKey":"{}",
  "alerts":[{"status":"firing","labels":{"alertname":"DiskFull","instance":"web-1:9100"},
  "annotations":{},"startsAt":"2024-05-01T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"f1"}]})";

class HealRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store = std::move(open_store("sqlite::memory:")).value();
    engine = std::make_unique<Engine>(*store, clock, push, metrics);
    rules_path = tmp.file("rules.yaml").string();
    std::ofstream(rules_path) << kRules;
    heal = std::make_unique<heal::HealService>(*store, *engine, clock, [](const std::string&) { return true; });
    ASSERT_TRUE(heal->start(rules_path).ok());
    Router router;
    add_heal_routes(router, *heal, *store, clock);
    auth::ResolverOptions o;
    o.basic_users = {{"u", "p"}};
    api = std::make_unique<ApiService>(std::move(router), std::move(auth::PrincipalResolver::make(o, nullptr)).value());
  }

  ApiResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                   std::map<std::string, std::string> query = {}, bool auth = true) {
    ApiRequest req;
    req.method = method;
    req.path = path;
    req.body = body;
    req.query = std::move(query);
    if (auth) req.authorization = "Basic dTpw";  // u:p
    return finish(api->handle(req));
  }
  static json dat(const ApiResponse& r) { return json::parse(r.body)["dat"]; }

  mend::testing::FakeClock clock;
  mend::testing::RecordingAgentPush push;
  EngineMetrics metrics;
  std::unique_ptr<Store> store;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<heal::HealService> heal;
  std::unique_ptr<ApiService> api;
  mend::testing::TempDir tmp;
  std::string rules_path;
};

// Hardening item 2: a large payload answers in steps (resume), so the
// server's other work runs between them; the answer is the same.
TEST_F(HealRoutesTest, ALargePayloadIsDecidedInStepsWithOneAnswer) {
  json alerts = json::array();
  for (int i = 0; i < 450; ++i) alerts.push_back(json{{"labels", {{"alertname", "Other"}, {"n", std::to_string(i)}}}});
  ApiRequest req;
  req.method = "POST";
  req.path = "/api/v1/alerts";
  req.body = alerts.dump();
  req.authorization = "Basic dTpw";
  ApiResponse first = api->handle(req);
  ASSERT_TRUE(first.resume) << "a 450-alert payload should take more than one step";
  ApiResponse res = finish(std::move(first));
  ASSERT_EQ(res.status, 200) << res.body;
  json d = dat(res);
  EXPECT_EQ(d["events"], 450);
  EXPECT_EQ(d["refused"], 0);
  ASSERT_EQ(d["decisions"].size(), 450u);
  EXPECT_EQ(d["decisions"][449]["decision"], "no_rule");
}

TEST_F(HealRoutesTest, AlertmanagerWebhookRunsAndIsRecorded) {
  EXPECT_EQ(call("POST", "/api/v1/alerts/alertmanager", kAlertmanager, {}, false).status, 401);
  auto res = call("POST", "/api/v1/alerts/alertmanager", kAlertmanager);
  ASSERT_EQ(res.status, 200) << res.body;
  json d = dat(res);
  EXPECT_EQ(d["events"], 1);
  EXPECT_EQ(d["decisions"][0]["decision"], "ran");
  EXPECT_EQ(d["decisions"][0]["host"], "web-1");
  ASSERT_EQ(push.assigns().size(), 1u);

  auto again = dat(call("POST", "/api/v1/alerts/alertmanager", kAlertmanager));
  EXPECT_EQ(again["decisions"][0]["decision"], "duplicate");

  auto recs = dat(call("GET", "/api/v1/heal/records", "", {{"decision", "ran"}}));
  ASSERT_EQ(recs["list"].size(), 1u);
  EXPECT_EQ(recs["list"][0]["task_status"], "running");
  EXPECT_TRUE(recs["list"][0]["resolved_ms"].is_null());
  EXPECT_EQ(dat(call("GET", "/api/v1/heal/records", "", {{"since", "2100-01-01T00:00:00Z"}}))["list"].size(), 0u);
  EXPECT_EQ(call("GET", "/api/v1/heal/records", "", {{"decision", "maybe"}}).status, 400);
  EXPECT_EQ(call("GET", "/api/v1/heal/records", "", {{"since", "soon"}}).status, 400);
}

TEST_F(HealRoutesTest, DryRunSaysWhatEachRuleWouldDecideAndRecordsNothing) {
  auto res = call("POST", "/api/v1/heal/dry-run", kAlertmanager, {{"source", "alertmanager"}});
  ASSERT_EQ(res.status, 200) << res.body;
  json ev = dat(res)["events"][0];
  EXPECT_EQ(ev["decision"], "ran");
  EXPECT_EQ(ev["labels"]["alertname"], "DiskFull");
  ASSERT_EQ(ev["rules"].size(), 1u);
  EXPECT_TRUE(ev["rules"][0]["deciding"]);
  EXPECT_EQ(ev["rules"][0]["host"], "web-1");
  EXPECT_TRUE(push.assigns().empty());
  EXPECT_EQ(dat(call("GET", "/api/v1/heal/records"))["list"].size(), 0u);

  // After a real run the same alert would be a duplicate.
  ASSERT_EQ(call("POST", "/api/v1/alerts/alertmanager", kAlertmanager).status, 200);
  ev = dat(call("POST", "/api/v1/heal/dry-run", kAlertmanager, {{"source", "alertmanager"}}))["events"][0];
  EXPECT_EQ(ev["decision"], "duplicate");
  EXPECT_EQ(dat(call("GET", "/api/v1/heal/records"))["list"].size(), 1u);

  EXPECT_EQ(call("POST", "/api/v1/heal/dry-run", "{", {{"source", "alertmanager"}}).status, 400);
  EXPECT_EQ(call("POST", "/api/v1/heal/dry-run", kAlertmanager, {{"source", "pager"}}).status, 400);
}

TEST_F(HealRoutesTest, RetriedWebhookWithIdempotencyKeyGetsTheFirstAnswerAndRecordsNothing) {
  auto post = [&](const std::string& key, const std::string& body) {
    ApiRequest req;
    req.method = "POST";
    req.path = "/api/v1/alerts/alertmanager";
    req.body = body;
    req.authorization = "Basic dTpw";
    req.idempotency_key = key;
    return api->handle(req);
  };
  auto first = post("delivery-1", kAlertmanager);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(dat(first)["decisions"][0]["decision"], "ran");
  clock.advance_ms(1000);
  auto retry = post("delivery-1", kAlertmanager);
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.body, first.body);  // the same decision, event and task ids
  EXPECT_EQ(dat(call("GET", "/api/v1/heal/records"))["list"].size(), 1u);
  EXPECT_EQ(push.assigns().size(), 1u);

  // The same key with another payload is refused and changes nothing.
  std::string other = kAlertmanager;
  other.replace(other.find("web-1"), 5, "web-2");
  auto reused = post("delivery-1", other);
  EXPECT_EQ(reused.status, 422) << reused.body;
  EXPECT_EQ(json::parse(reused.body)["err"], "Idempotency-Key reused with a different request");
  EXPECT_EQ(dat(call("GET", "/api/v1/heal/records"))["list"].size(), 1u);

  // A refused payload does not use up its key: the fixed retry is decided.
  EXPECT_EQ(post("delivery-2", "{broken").status, 400);
  auto fixed = post("delivery-2", other);
  ASSERT_EQ(fixed.status, 200) << fixed.body;
  EXPECT_EQ(dat(fixed)["decisions"][0]["host"], "web-2");
  // Without a key, a repeat is decided again (and the guardrails call it a duplicate).
  EXPECT_EQ(dat(call("POST", "/api/v1/alerts/alertmanager", kAlertmanager))["decisions"][0]["decision"], "duplicate");
  EXPECT_EQ(dat(call("GET", "/api/v1/heal/records"))["list"].size(), 3u);
  EXPECT_EQ(post(std::string(256, 'k'), kAlertmanager).status, 400);
}

TEST_F(HealRoutesTest, BadPayloadsAre400WithTheReason) {
  auto res = call("POST", "/api/v1/alerts/nightingale", "{broken");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(json::parse(res.body)["err"], "nightingale payload: body is not valid JSON");
  res = call("POST", "/api/v1/alerts", R"({"labels":{"a":1}})");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(json::parse(res.body)["err"], "generic payload: labels.a must be a string");
  EXPECT_EQ(call("POST", "/api/v1/alerts/grafana", R"({"alerts":"x"})").status, 400);
  EXPECT_EQ(dat(call("GET", "/api/v1/heal/records"))["list"].size(), 0u);
}

TEST_F(HealRoutesTest, RulesCountsAndBreaker) {
  auto fired = dat(call("POST", "/api/v1/alerts/alertmanager", kAlertmanager));
  proto::ResultMsg r;
  r.dispatch_id = push.assigns()[0].dispatch_id;
  r.status = proto::RunOutcome::failed;
  ASSERT_TRUE(engine->apply_result("web-1", r).ok());
  clock.advance_ms(10);
  auto second = dat(call("POST", "/api/v1/alerts",
                         R"({"labels":{"alertname":"DiskFull","instance":"web-2:9100"}})"));
  EXPECT_EQ(second["decisions"][0]["decision"], "breaker_open");

  auto rules = dat(call("GET", "/api/v1/heal/rules", "", {{"minutes", "5"}}));
  ASSERT_EQ(rules["list"].size(), 1u);
  json disk = rules["list"][0];
  EXPECT_EQ(disk["name"], "disk");
  EXPECT_EQ(disk["runs"], 1);
  EXPECT_EQ(disk["failures"], 1);
  EXPECT_EQ(disk["resolved_within_minutes"], 5);
  EXPECT_EQ(disk["breaker"]["open"], true);
  EXPECT_EQ(disk["rule"]["template"], "fix");

  EXPECT_EQ(call("POST", "/api/v1/heal/rules/nope/breaker/close").status, 404);
  ASSERT_EQ(call("POST", "/api/v1/heal/rules/disk/breaker/close").status, 200);
  EXPECT_EQ(dat(call("GET", "/api/v1/heal/rules"))["list"][0]["breaker"]["open"], false);

  std::string metrics_text = render_heal_metrics(*heal->decision_counts(), *heal->rule_statuses(600'000));
  EXPECT_NE(metrics_text.find("mend_heal_decisions_total{rule=\"disk\",decision=\"ran\"} 1\n"), std::string::npos)
      << metrics_text;
  EXPECT_NE(metrics_text.find("mend_heal_decisions_total{rule=\"disk\",decision=\"breaker_open\"} 1\n"),
            std::string::npos);
  EXPECT_NE(metrics_text.find("mend_heal_run_failures_total{rule=\"disk\"} 1\n"), std::string::npos);
}

TEST_F(HealRoutesTest, TemplatesAndRulesCrudAndReload) {
  auto made = call("POST", "/api/v1/templates", R"({"name":"t2","title":"T2","account":"root","script":"echo 2"})");
  ASSERT_EQ(made.status, 200) << made.body;
  EXPECT_EQ(dat(made)["origin"], "api");
  EXPECT_EQ(call("POST", "/api/v1/templates", R"({"name":"fix","title":"X","account":"root","script":"x"})").status,
            409);
  EXPECT_EQ(call("POST", "/api/v1/templates", R"({"name":"t3"})").status, 400);
  EXPECT_EQ(dat(call("GET", "/api/v1/templates")).size(), 2u);
  EXPECT_EQ(dat(call("GET", "/api/v1/templates/fix"))["origin"], "file");
  EXPECT_EQ(call("GET", "/api/v1/templates/none").status, 404);

  ASSERT_EQ(call("POST", "/api/v1/heal-rules", R"({"name":"r2","template":"t2","cooldown":"1m"})").status, 200);
  EXPECT_EQ(dat(call("GET", "/api/v1/heal-rules/r2"))["cooldown"], "1m");
  auto put = call("PUT", "/api/v1/heal-rules/r2", R"({"name":"r2","template":"t2","cooldown":"2m"})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(dat(put)["cooldown"], "2m");
  EXPECT_EQ(call("DELETE", "/api/v1/templates/t2").status, 409);  // r2 uses it
  EXPECT_EQ(call("DELETE", "/api/v1/heal-rules/r2").status, 200);
  EXPECT_EQ(call("DELETE", "/api/v1/templates/t2").status, 200);

  std::ofstream(rules_path, std::ios::trunc) << "rules:\n  - name: x\n    template: gone\n";
  auto bad = call("POST", "/api/v1/reload");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(json::parse(bad.body)["err"].get<std::string>().find("rules.yaml:3: rule \"x\": unknown template \"gone\""),
            std::string::npos)
      << bad.body;
  EXPECT_TRUE(heal->rules().find_rule("disk"));  // old rules stay
  std::ofstream(rules_path, std::ios::trunc) << "";
  auto good = call("POST", "/api/v1/reload");
  ASSERT_EQ(good.status, 200);
  EXPECT_EQ(dat(good)["rules"], 0);
}

}  // namespace
}  // namespace mend
