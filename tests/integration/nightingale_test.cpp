// Nightingale against a real mend-server, in the two ways it can use Mend:
//
// - v5/v6 (up to v7.0.0-beta.1) call Ibex over HTTP. Each of their calls is
//   replayed with the body and headers Nightingale v6.7.3 sends (its self-heal
//   callback in alert/sender/callback.go, its task creation and its task
//   proxy in center/router/router_task.go, for the pages of n9e/fe
//   src/pages/task/), and each field it reads is checked.
// - v7/v8 embed Ibex and have no Ibex address: their alert events go to
//   Mend's Nightingale intake, Mend's rules pick the remediation, and the
//   hosts run it with mend-agent or an Ibex-protocol agent (categraf's ibex
//   plugin, ibex-agentd) on --ibex-rpc. The event JSON of v6, v7 and v8
//   (tests/fixtures/heal/nightingale_v*.json) each start a remediation and
//   resolve it.
#include <gtest/gtest.h>

#include <ctime>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include "common/encoding.hpp"
#include "support/cluster_fixture.hpp"
#include "support/wait.hpp"
#include "testing/ibex_test_agent.hpp"

namespace mend::it {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Nightingale's [Ibex] BasicAuthUser / BasicAuthPass, given to Mend as --basic-auth.
constexpr const char* kIbexUser = "ibex:ibex-secret";

// The headers Go's net/http client sends with Nightingale's ibex.New(...).POST()/PUT():
// Content-Type set by pkg/ibex, Authorization by SetBasicAuth, the rest Go's own.
std::map<std::string, std::string> go_client_headers(bool with_body) {
  std::map<std::string, std::string> h = {{"User-Agent", "Go-http-client/1.1"},
                                          {"Accept-Encoding", "gzip"},
                                          {"Authorization", "Basic " + base64_encode(kIbexUser)}};
  if (with_body) h["Content-Type"] = "application/json";
  return h;
}

// What reaches Ibex through Nightingale's taskProxy from the browser: the
// page's headers (n9e/fe utils/request.ts adds X-Language and a Bearer token,
// which the proxy replaces by the basic auth of [Ibex]) plus the proxy's
// X-Forwarded-For. The pages send their PUT bodies as a JSON string.
std::map<std::string, std::string> proxied_page_headers(bool with_body) {
  std::map<std::string, std::string> h = {{"Authorization", "Basic " + base64_encode(kIbexUser)},
                                          {"Accept", "application/json"},
                                          {"X-Language", "en_US"},
                                          {"X-Forwarded-For", "127.0.0.1"},
                                          {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64)"}};
  if (with_body) h["Content-Type"] = "text/plain;charset=UTF-8";
  return h;
}

// An envelope as Nightingale reads it: the body is JSON with "err" a string.
void expect_envelope(const HttpResponse& r, const std::string& err) {
  ASSERT_EQ(r.status, 200) << "Nightingale reads the body only on 200: " << r;
  ASSERT_TRUE(r.is_json() && r.json.is_object()) << r;
  ASSERT_TRUE(r.json.contains("err") && r.json["err"].is_string()) << r;
  EXPECT_EQ(r.json["err"], err) << r;
}

// Nightingale's TaskForm (pkg/ibex: the callback's and taskAdd's), marshalled
// by encoding/json in its Go field order; the page's form has no stdin.
struct GoTaskForm {
  std::string title;
  std::string account;
  int batch = 0;
  std::string script;
  std::string args;
  std::optional<std::string> stdin_text;
  std::string action;
  std::string creator;
  std::vector<std::string> hosts;
};

ordered_json go_task_form(const GoTaskForm& f) {
  ordered_json form;
  form["title"] = f.title;
  form["account"] = f.account;
  form["batch"] = f.batch;
  form["tolerance"] = 0;
  form["timeout"] = 30;
  form["pause"] = "";
  form["script"] = f.script;
  form["args"] = f.args;
  if (f.stdin_text) form["stdin"] = *f.stdin_text;
  form["action"] = f.action;
  form["creator"] = f.creator;
  form["hosts"] = f.hosts;
  return form;
}

class NightingaleV6Test : public ClusterTest {
 protected:
  ServerOptions server_options() const override {
    ServerOptions o;
    o.basic_auth = {kIbexUser};
    return o;
  }
  // A client with no credentials of its own: each call sets Nightingale's headers.
  HttpClient bare() const { return HttpClient(server_->host(), server_->port()); }
  std::string task_path(int64_t id) const { return "/ibex/v1/task/" + std::to_string(id); }
};

TEST_F(NightingaleV6Test, SelfHealCallbackCreatesTheTask) {
  // alert/sender/callback.go handleIbex: TaskForm marshalled in field order;
  // stdin is the event's tags plus alert_severity and alert_trigger_value
  // (a Go map: keys sorted).
  json stdin_map = {{"alert_severity", "2"}, {"alert_trigger_value", "93.41"}, {"ident", "host-a"}, {"service", "nginx"}};
  ordered_json form = go_task_form({.title = "Restart nginx FH: host-a",
                                     .account = current_account(),
                                     .script = sh_script("cat; echo; echo healed\n"),
                                     .stdin_text = stdin_map.dump(),
                                     .action = "start",
                                     .creator = "root",
                                     .hosts = {"host-a"}});
  HttpResponse r = bare().request("POST", "/ibex/v1/tasks", form.dump(), go_client_headers(true));
  // TaskCreateReply{Err string; Dat int64}: err empty, dat the task id.
  expect_envelope(r, "");
  ASSERT_TRUE(r.dat().is_number_integer()) << r;
  const int64_t id = r.dat().get<int64_t>();
  ASSERT_GT(id, 0);

  IbexApi ibex = api();
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_status(id, "host-a"), "success");
  EXPECT_EQ(ibex.host_stdout(id, "host-a"), stdin_map.dump() + "\nhealed\n");
  EXPECT_EQ(ibex.task(id)["meta"].value("title", ""), "Restart nginx FH: host-a");

  // A refused field check answers 200 with err, which Nightingale logs as
  // "call ibex response error: ..." instead of "response code: 400".
  form["timeout"] = -1;
  HttpResponse bad = bare().request("POST", "/ibex/v1/tasks", form.dump(), go_client_headers(true));
  expect_envelope(bad, "arg(timeout) should be nonnegative");
}

TEST_F(NightingaleV6Test, TaskPagesThroughTheProxy) {
  // center/router/router_task.go taskAdd -> TaskCreate: its taskForm has no stdin.
  ordered_json form = go_task_form({.title = "Rotate logs FH: host-b",
                                     .account = current_account(),
                                     .batch = 1,
                                     .script = sh_script("echo out-$1; echo err-$2 >&2\n"),
                                     .args = "x,,y",
                                     .action = "pause",
                                     .creator = "alice",
                                     .hosts = {"host-b", "host-c"}});
  HttpResponse created = bare().request("POST", "/ibex/v1/tasks", form.dump(), go_client_headers(true));
  expect_envelope(created, "");
  const int64_t id = created.dat().get<int64_t>();
  const std::string T = task_path(id);
  HttpClient page = bare();

  // src/pages/task/result.tsx and detail.tsx: dat.meta, dat.action, dat.hosts[].host/status.
  HttpResponse got = page.request("GET", T, "", proxied_page_headers(false));
  expect_envelope(got, "");
  const json& meta = got.dat()["meta"];
  EXPECT_EQ(meta.value("title", ""), "Rotate logs FH: host-b");
  EXPECT_EQ(meta.value("creator", ""), "alice");
  EXPECT_EQ(meta.value("account", ""), current_account());
  EXPECT_EQ(meta.value("batch", -1), 1);
  EXPECT_EQ(meta.value("tolerance", -1), 0);
  EXPECT_EQ(meta.value("timeout", -1), 30);
  EXPECT_EQ(meta.value("args", ""), "x,,y");
  EXPECT_EQ(meta.value("pause", "?"), "");
  EXPECT_EQ(meta.value("script", ""), form["script"].get<std::string>());
  EXPECT_EQ(meta.value("done", true), false);
  // moment(data.created) parses RFC 3339.
  std::tm tm{};
  std::istringstream created_text(meta.value("created", ""));
  created_text >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  EXPECT_FALSE(created_text.fail()) << meta;
  EXPECT_EQ(got.dat().value("action", ""), "pause");
  ASSERT_EQ(got.dat()["hosts"].size(), 2u) << got;
  EXPECT_EQ(got.dat()["hosts"][0].value("host", ""), "host-b");
  EXPECT_EQ(got.dat()["hosts"][0].value("status", ""), "waiting");

  // The ignore, start and action buttons: request(...).then() runs only when err is "".
  HttpResponse ignored = page.request("PUT", T + "/host/host-c/action", R"({"action":"ignore"})", proxied_page_headers(true));
  expect_envelope(ignored, "");
  EXPECT_EQ(ignored.dat(), "you can click start to run the task");
  expect_envelope(page.request("PUT", T + "/action", R"({"action":"start"})", proxied_page_headers(true)), "");
  IbexApi ibex = api();
  ASSERT_TRUE(ibex.wait_task_done(id));

  got = page.request("GET", T, "", proxied_page_headers(false));
  expect_envelope(got, "");
  EXPECT_EQ(got.dat()["meta"].value("done", false), true) << got;
  EXPECT_EQ(got.dat().value("action", "?"), "") << got;

  // src/pages/taskOutput/index.jsx: dat[].host and dat[][outputType].
  for (const std::string which : {"stdout", "stderr"}) {
    HttpResponse out = page.request("GET", T + "/" + which, "", proxied_page_headers(false));
    expect_envelope(out, "");
    ASSERT_TRUE(out.dat().is_array()) << out;
    ASSERT_EQ(out.dat().size(), 2u) << out;
    EXPECT_EQ(out.dat()[0].value("host", ""), "host-b");
    EXPECT_EQ(out.dat()[0].value(which, ""), which == "stdout" ? "out-x\n" : "err-y\n") << out;
  }
  // src/pages/taskOutput/host.jsx: dat is the text.
  HttpResponse host_out = page.request("GET", T + "/host/host-b/stdout", "", proxied_page_headers(false));
  expect_envelope(host_out, "");
  EXPECT_EQ(host_out.dat(), "out-x\n");

  // Buttons on a finished task: the page shows err as a notification.
  expect_envelope(page.request("PUT", T + "/action", R"({"action":"kill"})", proxied_page_headers(true)),
                  "task already finished, no more action can do");
  expect_envelope(page.request("PUT", T + "/host/host-b/action", R"({"action":"redo"})", proxied_page_headers(true)),
                  "task already finished, no more action can do");
  // The proxy forwards an unknown task's 404 as is.
  HttpResponse missing = page.request("GET", task_path(id + 1000), "", proxied_page_headers(false));
  EXPECT_EQ(missing.status, 404) << missing;
  EXPECT_EQ(missing.err(), "no such task meta") << missing;
}

TEST_F(NightingaleV6Test, MendsOwnApiStillAnswers400) {
  // /ibex/v1 answers Ibex's field checks with 200; Mend's own API keeps 4xx.
  HttpResponse r = api().http().post("/api/v1/alerts/nightingale", R"({"id": 3})");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_NE(r.err(), "") << r;
}

// ---- v7 and v8: events to the intake ----

constexpr const char* kWebhookToken = "n9e-webhook-token";

std::string fixture(const std::string& name) {
  return read_file(std::filesystem::path(MEND_SOURCE_DIR) / "tests/fixtures/heal" / name);
}

class NightingaleEventsTest : public ClusterTest {
 protected:
  ServerOptions server_options() const override {
    std::string dir = dir_->path().string();
    if (!std::filesystem::exists(dir_->file("rules.yaml")))
      write_file(dir_->file("rules.yaml"),
                 "templates:\n"
                 "  clean-disk:\n"
                 "    title: Clean disk\n"
                 "    account: " + current_account() + "\n"
                 "    timeout: 30\n"
                 "    script: |\n"
                 "      #!/bin/sh\n"
                 "      cat > " + dir + "/stdin-$MEND_HOST.json\n"
                 "      echo cleaned\n"
                 "rules:\n"
                 "  - name: n9e-disk\n"
                 "    matchers: ['alertname=\"disk_used_high\"', 'path=\"/\"']\n"
                 "    template: clean-disk\n");
    ServerOptions o;
    o.basic_auth = {"it:it-password"};
    o.extra_args = {"--rules", dir_->file("rules.yaml").string(), "--api-token", kWebhookToken,
                    "--ibex-rpc", "127.0.0.1:0", "--ibex-rpc-hosts", "*"};
    return o;
  }
  HttpClient bare() const { return HttpClient(server_->host(), server_->port()); }

  // Posts a fixture to the intake with `headers`; returns the one decision.
  json post_event(const std::string& name, const std::map<std::string, std::string>& headers) {
    HttpResponse r = bare().request("POST", "/api/v1/alerts/nightingale", fixture(name), headers);
    EXPECT_EQ(r.status, 200) << name << ": " << r;
    json decisions = r.dat().value("decisions", json::array());
    EXPECT_EQ(decisions.size(), 1u) << name << ": " << r;
    return decisions.empty() ? json::object() : decisions[0];
  }
  json ran_record(const std::string& host) {
    HttpResponse r = api().http().get("/api/v1/heal/records?rule=n9e-disk&decision=ran&host=" + host);
    json list = r.dat().value("list", json::array());
    return list.size() == 1 ? list[0] : json();
  }
  // The Ibex-protocol host runs its assignment as categraf or ibex-agentd
  // would: heartbeat until assigned, fetch the meta, report the result.
  ibex_rpc::TaskMetaReply run_on_ibex_host(mend::testing::TestAgent& agent, const std::string& ident, int64_t task) {
    ibex_rpc::ReportReply hb;
    EXPECT_TRUE(wait_until([&] {
      hb = agent.report(ident);
      return !hb.assign_tasks.empty();
    }));
    if (hb.assign_tasks.empty()) return {};
    EXPECT_EQ(hb.assign_tasks[0].id, task);
    auto meta = agent.meta(task);
    agent.report(ident, {ibex_rpc::ReportTask{task, hb.assign_tasks[0].clock, "success", "cleaned\n", ""}});
    return meta;
  }
  // The record of the run on `host` learns the resolve time from the recovered event.
  void expect_resolved(const std::string& name, const std::map<std::string, std::string>& headers,
                       const std::string& host) {
    json d = post_event(name, headers);
    EXPECT_EQ(d.value("decision", ""), "recovered") << d;
    json rec = ran_record(host);
    ASSERT_TRUE(rec.is_object()) << host;
    EXPECT_TRUE(rec.value("resolved_ms", json()).is_number_integer()) << rec;
  }
};

TEST_F(NightingaleEventsTest, V6V7AndV8EventsEachStartARemediationAndResolveIt) {
  add_agent("web-06");
  ASSERT_TRUE(api().wait_agents({"host-a", "host-b", "host-c", "web-06"}));
  ASSERT_NE(server_->ibex_rpc_port(), 0);
  mend::testing::TestAgent categraf(server_->ibex_rpc_port());    // web-07: categraf's ibex plugin
  mend::testing::TestAgent ibex_agentd(server_->ibex_rpc_port());  // web-08: ibex-agentd
  ASSERT_TRUE(categraf.connected() && ibex_agentd.connected());
  categraf.report("web-07");
  ibex_agentd.report("web-08");
  IbexApi ibex = api();

  // v6: a global webhook (Settings > Notification > Webhooks) with basic auth.
  const std::map<std::string, std::string> v6_headers = {{"Content-Type", "application/json"},
                                                         {"Authorization", "Basic " + base64_encode("it:it-password")},
                                                         {"User-Agent", "Go-http-client/1.1"}};
  json d6 = post_event("nightingale_v6_firing.json", v6_headers);
  EXPECT_EQ(d6.value("decision", ""), "ran") << d6;
  EXPECT_EQ(d6.value("host", ""), "web-06") << d6;
  const int64_t t6 = d6.value("task_id", int64_t{0});
  ASSERT_GT(t6, 0);
  ASSERT_TRUE(ibex.wait_task_done(t6));
  EXPECT_EQ(ibex.host_status(t6, "web-06"), "success");
  json in6 = json::parse(read_file(dir_->file("stdin-web-06.json")), nullptr, false);
  ASSERT_TRUE(in6.is_object());
  EXPECT_EQ(in6.value("ident", ""), "web-06") << in6;
  EXPECT_EQ(in6.value("alert_severity", ""), "2") << in6;
  EXPECT_EQ(in6.value("alert_trigger_value", ""), "93.41") << in6;
  EXPECT_EQ(in6.value("is_recovered", ""), "false") << in6;
  expect_resolved("nightingale_v6_recovered.json", v6_headers, "web-06");

  // v7: the same global webhook, here with a header (Webhooks > Headers).
  const std::map<std::string, std::string> v7_headers = {{"Content-Type", "application/json"},
                                                         {"Authorization", std::string("Bearer ") + kWebhookToken}};
  json d7 = post_event("nightingale_v7_firing.json", v7_headers);
  EXPECT_EQ(d7.value("decision", ""), "ran") << d7;
  EXPECT_EQ(d7.value("host", ""), "web-07") << d7;
  const int64_t t7 = d7.value("task_id", int64_t{0});
  ASSERT_GT(t7, 0);
  auto meta7 = run_on_ibex_host(categraf, "web-07", t7);
  json in7 = json::parse(meta7.stdin_text, nullptr, false);
  ASSERT_TRUE(in7.is_object()) << meta7.stdin_text;
  EXPECT_EQ(in7.value("path", ""), "/") << in7;
  EXPECT_EQ(in7.value("is_recovered", ""), "false") << in7;
  ASSERT_TRUE(ibex.wait_task_done(t7));
  EXPECT_EQ(ibex.host_status(t7, "web-07"), "success");
  expect_resolved("nightingale_v7_recovered.json", v7_headers, "web-07");

  // v8: a notification rule with the built-in "Callback" channel, whose
  // headers carry the token; the body is the list of events.
  const std::map<std::string, std::string> v8_headers = v7_headers;
  json d8 = post_event("nightingale_v8_firing.json", v8_headers);
  EXPECT_EQ(d8.value("decision", ""), "ran") << d8;
  EXPECT_EQ(d8.value("host", ""), "web-08") << d8;
  const int64_t t8 = d8.value("task_id", int64_t{0});
  ASSERT_GT(t8, 0);
  run_on_ibex_host(ibex_agentd, "web-08", t8);
  ASSERT_TRUE(ibex.wait_task_done(t8));
  EXPECT_EQ(ibex.host_status(t8, "web-08"), "success");
  expect_resolved("nightingale_v8_recovered.json", v8_headers, "web-08");

  // A rule callback carries no credentials: with --api-token set it is refused.
  HttpResponse anon = bare().post("/api/v1/alerts/nightingale", fixture("nightingale_v7_firing.json"));
  EXPECT_EQ(anon.status, 401) << anon;
}

}  // namespace
}  // namespace mend::it
