// Alert self-healing end to end: alerts from each tool's payload (and from a
// real Prometheus Alertmanager) reach mend-server's intake, the rule's script
// runs on the right mend-agent with the alert on stdin, and every decision is
// a heal record.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "support/alertmanager_process.hpp"
#include "support/cluster_fixture.hpp"

namespace mend::it {
namespace {

using nlohmann::json;

std::string fixture(const std::string& name) {
  return read_file(std::filesystem::path(MEND_SOURCE_DIR) / "tests/fixtures/heal" / name);
}

// RFC 3339 in UTC, whole seconds, `offset` from now.
std::string rfc3339(std::chrono::seconds offset) {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + offset);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

constexpr const char* kAlertmanagerToken = "am-webhook-token";

class HealTest : public ClusterTest {
 protected:
  // The rules file is written here because ClusterTest::SetUp starts the
  // server right after creating the TempDir.
  ServerOptions server_options() const override {
    std::string dir = dir_->path().string();
    std::string hold = "i=0; while [ ! -f " + dir +
                       "/release ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n";
    std::string capture = "cat > " + dir + "/stdin-$MEND_HOST-$MEND_TASK_ID.json\n" +
                          "env | grep '^MEND_ALERT_' | sort > " + dir +
                          "/env-$MEND_HOST-$MEND_TASK_ID.txt\n";
    auto script = [](const std::string& body) {
      std::string out = "      #!/bin/sh\n";
      std::istringstream in(body);
      for (std::string line; std::getline(in, line);) out += "      " + line + "\n";
      return out;
    };
    std::string rules =
        "templates:\n"
        "  hold:\n"
        "    title: Clean disk\n"
        "    account: " +
        current_account() +
        "\n"
        "    timeout: 60\n"
        "    script: |\n" +
        script(capture + hold) +
        "  capture:\n"
        "    title: Capture\n"
        "    account: " +
        current_account() +
        "\n"
        "    timeout: 30\n"
        "    script: |\n" +
        script(capture + "echo captured\n") +
        "rules:\n"
        "  - name: disk-full\n"
        "    matchers: ['alertname=\"DiskFull\"', 'severity=~\"critical|page\"']\n"
        "    template: hold\n"
        "    cooldown: 10m\n"
        "  - name: n9e-mem\n"
        "    matchers: ['alertname=\"mem_used_high\"']\n"
        "    template: capture\n"
        "  - name: grafana-load\n"
        "    matchers: ['alertname=\"High load\"']\n"
        "    template: capture\n"
        "  - name: queue\n"
        "    matchers: ['alertname=\"QueueStuck\"']\n"
        "    template: capture\n"
        "    host_labels: [host]\n";
    // Also called by mendctl() for the credentials: the file is written once.
    if (!std::filesystem::exists(dir_->file("rules.yaml")))
      write_file(dir_->file("rules.yaml"), rules);
    ServerOptions o;
    // Tests read the API as a basic-auth user; Alertmanager sends its bearer token.
    o.basic_auth = {"it:it-password"};
    o.extra_args = {"--rules", dir_->file("rules.yaml").string(), "--api-token",
                    kAlertmanagerToken};
    return o;
  }

  HttpClient http() const { return server_->client(); }

  // The heal records matching `query` (e.g. "rule=disk-full&decision=ran"), newest first.
  json records(const std::string& query) const {
    HttpResponse r = http().get("/api/v1/heal/records?" + query);
    if (r.status != 200) return json::array();
    return r.dat().value("list", json::array());
  }

  // What the script wrote for (host, task): its stdin as JSON (discarded if absent or invalid).
  json script_stdin(const std::string& host, int64_t task) const {
    return json::parse(
        read_file(dir_->file("stdin-" + host + "-" + std::to_string(task) + ".json")), nullptr,
        false);
  }
  std::string script_env(const std::string& host, int64_t task) const {
    return read_file(dir_->file("env-" + host + "-" + std::to_string(task) + ".txt"));
  }

  // Posts a payload to an intake path; expects one `ran` decision on `host` and returns its task id
  // (0 on failure).
  int64_t post_expect_ran(const std::string& path, const std::string& body, const std::string& rule,
                          const std::string& host) {
    HttpResponse r = http().post(path, body);
    EXPECT_EQ(r.status, 200) << r;
    json decisions = r.dat().value("decisions", json::array());
    EXPECT_EQ(decisions.size(), 1u) << r;
    if (decisions.size() != 1) return 0;
    const json& d = decisions[0];
    EXPECT_EQ(d.value("decision", ""), "ran") << r;
    EXPECT_EQ(d.value("rule", ""), rule) << r;
    EXPECT_EQ(d.value("host", ""), host) << r;
    return d.value("task_id", json()).is_number_integer() ? d["task_id"].get<int64_t>() : 0;
  }
};

TEST_F(HealTest, NightingaleGrafanaAndGenericEachStartTheirRemediation) {
  // The fixtures name their hosts as the tools' documentation does; agents with those names
  // connect.
  for (const char* h : {"db-07", "app-12", "worker-5"}) add_agent(h);
  ASSERT_TRUE(api().wait_agents({"host-a", "host-b", "host-c", "db-07", "app-12", "worker-5"}));

  struct Case {
    const char* path;
    const char* fixture;
    const char* rule;
    const char* host;
    const char* label;  // a label the script must see on stdin, with its value
    const char* value;
  };
  const Case cases[] = {
      {"/api/v1/alerts/nightingale", "nightingale_event.json", "n9e-mem", "db-07", "service",
       "mysql"},
      {"/api/v1/alerts/grafana", "grafana_firing.json", "grafana-load", "app-12", "grafana_folder",
       "Hosts"},
      {"/api/v1/alerts", "generic_firing.json", "queue", "worker-5", "queue", "mail"},
  };
  IbexApi ibex = api();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.fixture);
    int64_t task = post_expect_ran(c.path, fixture(c.fixture), c.rule, c.host);
    ASSERT_GT(task, 0);
    ASSERT_TRUE(ibex.wait_task_done(task));
    EXPECT_EQ(ibex.host_statuses(task), (std::map<std::string, std::string>{{c.host, "success"}}));
    EXPECT_EQ(ibex.task(task).value("meta", json::object()).value("title", ""),
              std::string("Capture FH: ") + c.host);
    json in = script_stdin(c.host, task);
    ASSERT_TRUE(in.is_object()) << read_file(
        dir_->file(std::string("stdin-") + c.host + "-" + std::to_string(task) + ".json"));
    EXPECT_EQ(in.value(c.label, ""), c.value) << in;
    EXPECT_EQ(in.value("is_recovered", ""), "false") << in;
    EXPECT_NE(script_env(c.host, task).find(std::string("MEND_ALERT_RULE=") + c.rule + "\n"),
              std::string::npos)
        << script_env(c.host, task);
  }
  // Nightingale's numbers reach the script as Nightingale's executor passes them.
  json records_all = records("rule=n9e-mem");
  ASSERT_EQ(records_all.size(), 1u) << records_all;
  json n9e = script_stdin("db-07", records_all[0].value("task_id", int64_t{0}));
  EXPECT_EQ(n9e.value("alert_trigger_value", ""), "93.41") << n9e;

  // Only the three remediations ran: one task each, no others.
  EXPECT_EQ(records("decision=ran").size(), 3u);
}

TEST_F(HealTest, UnknownHostIsSkippedRetriesAreAnsweredOnceAndMendctlShowsIt) {
  // No agent named "nobody" ever connected: recorded, no task left waiting.
  std::string ghost =
      R"({"labels":{"alertname":"QueueStuck","host":"nobody","queue":"mail"},"status":"firing"})";
  HttpResponse r = http().post("/api/v1/alerts", ghost);
  ASSERT_EQ(r.status, 200) << r;
  json d = r.dat()["decisions"][0];
  EXPECT_EQ(d.value("decision", ""), "host_unknown") << r;
  EXPECT_EQ(d.value("host", ""), "nobody") << r;
  EXPECT_TRUE(d["task_id"].is_null()) << r;
  HttpResponse tasks = api().http().get("/ibex/v1/tasks");
  EXPECT_EQ(tasks.dat().value("total", -1), 0) << tasks;

  // A webhook retried with the same Idempotency-Key is decided once.
  std::string alert =
      R"({"labels":{"alertname":"QueueStuck","host":"host-a","queue":"mail"},"status":"firing"})";
  HttpResponse first =
      http().request("POST", "/api/v1/alerts", alert, {{"Idempotency-Key", "delivery-7"}});
  ASSERT_EQ(first.status, 200) << first;
  EXPECT_EQ(first.dat()["decisions"][0].value("decision", ""), "ran") << first;
  HttpResponse retry =
      http().request("POST", "/api/v1/alerts", alert, {{"Idempotency-Key", "delivery-7"}});
  EXPECT_EQ(retry.status, 200) << retry;
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(records("rule=queue").size(), 2u);
  int64_t task = first.dat()["decisions"][0].value("task_id", int64_t{0});
  ASSERT_TRUE(api().wait_task_done(task));
  tasks = api().http().get("/ibex/v1/tasks");
  EXPECT_EQ(tasks.dat().value("total", -1), 1) << tasks;

  RunResult unknown = mendctl({"heal", "records", "--decision", "host_unknown", "--since", "1h"});
  EXPECT_EQ(unknown.status.code, 0) << unknown.err;
  EXPECT_NE(unknown.out.find("queue  nobody  host_unknown  -"), std::string::npos) << unknown.out;
  EXPECT_NE(unknown.out.find("1 record\n"), std::string::npos) << unknown.out;
  RunResult ran = mendctl({"heal", "records", "--rule", "queue", "--host", "host-a"});
  EXPECT_EQ(ran.status.code, 0) << ran.err;
  EXPECT_NE(ran.out.find("queue  host-a  ran       " + std::to_string(task) + " success"),
            std::string::npos)
      << ran.out;
  RunResult rules = mendctl({"heal", "rules"});
  EXPECT_EQ(rules.status.code, 0) << rules.err;
  EXPECT_NE(rules.out.find("\nqueue         file    1     1   0       0        0              "),
            std::string::npos)
      << rules.out;
  EXPECT_NE(rules.out.find("4 rules\n"), std::string::npos) << rules.out;
}

TEST_F(HealTest, RealAlertmanagerRunsOnInstanceHostOnceAndResolves) {
  if (alertmanager_binary().empty()) GTEST_SKIP() << "prometheus-alertmanager is not installed";
  // Short timers so that repeats and the resolution arrive within seconds.
  std::string config =
      "route:\n"
      "  receiver: mend\n"
      "  group_by: ['alertname', 'instance']\n"
      "  group_wait: 100ms\n"
      "  group_interval: 1s\n"
      "  repeat_interval: 1s\n"
      "receivers:\n"
      "  - name: mend\n"
      "    webhook_configs:\n"
      "      - url: " +
      server_->url() +
      "/api/v1/alerts/alertmanager\n"
      "        send_resolved: true\n"
      "        http_config:\n"
      "          authorization:\n"
      "            credentials: " +
      std::string(kAlertmanagerToken) + "\n";
  AlertmanagerProcess am(*dir_, config);
  ASSERT_NO_THROW(am.start());
  auto logs = [&] {
    std::ostringstream os;
    am.print_logs(os);
    return os.str();
  };

  json alert = {{"labels",
                 {{"alertname", "DiskFull"},
                  {"instance", "host-b:9100"},
                  {"severity", "critical"},
                  {"mountpoint", "/var"},
                  {"job", "node"}}},
                {"annotations", {{"summary", "/var is 97% full"}}},
                {"startsAt", rfc3339(std::chrono::seconds(-5))}};
  HttpResponse posted = am.post_alerts(json::array({alert}));
  ASSERT_EQ(posted.status, 200) << posted;

  // The template runs on host-b (instance without its port).
  json ran;
  ASSERT_TRUE(wait_until([&] {
    json list = records("rule=disk-full&decision=ran");
    if (list.empty()) return false;
    ran = list[0];
    return true;
  })) << logs();
  EXPECT_EQ(ran.value("host", ""), "host-b") << ran;
  int64_t task = ran.value("task_id", int64_t{0});
  ASSERT_GT(task, 0) << ran;
  IbexApi ibex = api();
  ASSERT_TRUE(ibex.wait_host_status(task, "host-b", "running"));
  EXPECT_EQ(ibex.task(task).value("meta", json::object()).value("title", ""),
            "Clean disk FH: host-b");

  // The script saw the alert's labels on stdin.
  json in;
  ASSERT_TRUE(wait_until([&] {
    in = script_stdin("host-b", task);
    return in.is_object();
  }));
  EXPECT_EQ(in.value("alertname", ""), "DiskFull") << in;
  EXPECT_EQ(in.value("instance", ""), "host-b:9100") << in;
  EXPECT_EQ(in.value("mountpoint", ""), "/var") << in;
  EXPECT_EQ(in.value("alert_severity", ""), "critical") << in;
  EXPECT_EQ(in.value("is_recovered", ""), "false") << in;

  // While it runs, Alertmanager repeats the notification (repeat_interval 1s):
  // each repeat is recorded as a duplicate and starts nothing.
  ASSERT_TRUE(wait_until([&] { return records("rule=disk-full&decision=duplicate").size() >= 2; }))
      << logs();
  for (const json& d : records("rule=disk-full&decision=duplicate")) {
    EXPECT_TRUE(d.value("task_id", json()).is_null()) << d;
    EXPECT_EQ(d.value("host", ""), "host-b") << d;
    EXPECT_EQ(d.value("fingerprint", ""), ran.value("fingerprint", "")) << d;
  }
  EXPECT_EQ(records("rule=disk-full&decision=ran").size(), 1u);

  // Let the script finish; later repeats fall in the rule's cooldown, still nothing new.
  write_file(dir_->file("release"), "");
  ASSERT_TRUE(ibex.wait_task_done(task));
  EXPECT_EQ(ibex.host_status(task, "host-b"), "success");

  // Resolving the alert in Alertmanager: its resolved notification fills the record's resolve time.
  alert["endsAt"] = rfc3339(std::chrono::seconds(0));
  posted = am.post_alerts(json::array({alert}));
  ASSERT_EQ(posted.status, 200) << posted;
  json resolved;
  ASSERT_TRUE(wait_until([&] {
    json list = records("rule=disk-full&decision=ran");
    if (list.size() != 1 || list[0].value("resolved_ms", json()).is_null()) return false;
    resolved = list[0];
    return true;
  })) << logs();
  EXPECT_EQ(resolved.value("id", int64_t{0}), ran.value("id", int64_t{0}));
  EXPECT_GE(resolved["resolved_ms"].get<int64_t>(), resolved["created_ms"].get<int64_t>())
      << resolved;
  EXPECT_EQ(resolved["resolve_after_ms"].get<int64_t>(),
            resolved["resolved_ms"].get<int64_t>() - resolved["created_ms"].get<int64_t>())
      << resolved;
  EXPECT_FALSE(records("rule=disk-full&decision=recovered").empty());

  // One remediation in all; every other notification was a recorded skip.
  EXPECT_EQ(records("rule=disk-full&decision=ran").size(), 1u);
  for (const json& r : records("rule=disk-full&limit=1000")) {
    std::string d = r.value("decision", "");
    EXPECT_TRUE(d == "ran" || d == "duplicate" || d == "cooldown" || d == "recovered") << r;
  }
  HttpResponse tasks = ibex.http().get("/ibex/v1/tasks");
  EXPECT_EQ(tasks.dat().value("total", -1), 1) << tasks;
  am.stop();
}

}  // namespace
}  // namespace mend::it
