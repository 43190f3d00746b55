// What /ibex/v1 answers where Ibex's answer differs from a plain REST one:
// statuses, texts and the order of Ibex's checks (Ibex v1.2.0's handlers),
// through ApiService over a real in-memory store and engine.
#include "api/ibex_routes.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "api/api_service.hpp"
#include "store/store.hpp"
#include "testing/fake_clock.hpp"
#include "testing/recording_agent_push.hpp"

namespace mend {
namespace {

using nlohmann::json;

std::string form(const std::string& action, const std::string& hosts, int batch = 0) {
  return R"({"title":"t","account":"root","script":"echo hi","creator":"me","action":")" + action +
         R"(","batch":)" + std::to_string(batch) + R"(,"hosts":)" + hosts + "}";
}

class IbexRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store = std::move(open_store("sqlite::memory:")).value();
    engine = std::make_unique<Engine>(*store, clock, push, metrics);
    hub = std::make_unique<AgentHub>(clock);
    ctx = std::make_unique<ApiContext>(ApiContext{*engine, *store, *hub, clock, metrics});
    Router router;
    add_ibex_routes(router, *ctx);
    auth::ResolverOptions open;
    open.open = true;
    api = std::make_unique<ApiService>(std::move(router),
                                       std::move(auth::PrincipalResolver::make(open, nullptr)).value());
  }

  ApiResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                   std::map<std::string, std::string> query = {}) {
    ApiRequest req;
    req.method = method;
    req.path = path;
    req.body = body;
    req.query = std::move(query);
    return api->handle(req);
  }
  int64_t create(const std::string& body) {
    auto r = call("POST", "/ibex/v1/tasks", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body).value("dat", int64_t{0});
  }
  std::string status_of(int64_t id, const std::string& host) {
    json hosts = json::parse(call("GET", "/ibex/v1/task/" + std::to_string(id)).body)["dat"]["hosts"];
    for (const auto& h : hosts)
      if (h["host"] == host) return h["status"];
    return "";
  }

  mend::testing::FakeClock clock;
  mend::testing::RecordingAgentPush push;
  EngineMetrics metrics;
  std::unique_ptr<Store> store;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<AgentHub> hub;
  std::unique_ptr<ApiContext> ctx;
  std::unique_ptr<ApiService> api;
};

// One row: a request and what Ibex answers. `err`/`dat` are compared when set;
// `text` is the whole body of a plain-text answer.
struct Row {
  std::string method;
  std::string path;
  std::string body;
  std::map<std::string, std::string> query;
  int status;
  std::optional<std::string> err;
  std::optional<json> dat;
  std::optional<std::string> text;
};

TEST_F(IbexRoutesTest, AnswersAsIbexDoes) {
  const int64_t paused = create(form("pause", R"(["h1","h2"])"));
  const int64_t running = create(form("start", R"(["h1","h2"])", 1));  // h1 running, h2 waiting
  const int64_t done = create(form("pause", R"(["h1"])"));
  ASSERT_TRUE(engine->task_action(done, TaskAction::cancel).ok());
  ASSERT_EQ(status_of(running, "h1"), "running");
  const std::string P = "/ibex/v1/task/" + std::to_string(paused);
  const std::string R = "/ibex/v1/task/" + std::to_string(running);
  const std::string D = "/ibex/v1/task/" + std::to_string(done);
  const std::string U = "/ibex/v1/task/987654";  // no such task
  const std::string meta404 = "no such task meta";
  const std::string finished = "task already finished, no more action can do";
  const std::string start = R"({"action":"start"})";

  const std::vector<Row> rows = {
      // Ids: not an integer is 400 with Go's words; 0, -1 and unknown ids name no task.
      {"GET", "/ibex/v1/task/abc", "", {}, 400, "cannot convert abc to int64", {}, {}},
      {"GET", "/ibex/v1/task/99999999999999999999", "", {}, 400, "cannot convert 99999999999999999999 to int64", {}, {}},
      {"GET", "/ibex/v1/task/0", "", {}, 404, meta404, {}, {}},
      {"GET", "/ibex/v1/task/-1", "", {}, 404, meta404, {}, {}},
      {"GET", U, "", {}, 404, meta404, {}, {}},
      {"GET", U + "/stdout", "", {}, 404, meta404, {}, {}},
      {"GET", U + "/stderr", "", {}, 404, meta404, {}, {}},
      {"GET", U + "/stdout.json", "", {}, 404, meta404, {}, {}},
      {"GET", U + "/stderr.json", "", {}, 404, meta404, {}, {}},
      {"PUT", U + "/action", start, {}, 404, meta404, {}, {}},
      {"PUT", U + "/host/h1/action", R"({"action":"redo"})", {}, 404, meta404, {}, {}},
      {"GET", U + "/host/h1/stdout", "", {}, 404, meta404, {}, {}},
      {"GET", U + "/stdout.txt", "", {}, 404, {}, {}, "no such task"},
      {"GET", "/ibex/v1/task/x1/stderr.txt", "", {}, 400, "cannot convert x1 to int64", {}, {}},
      // state and result of an unknown id: Ibex finds no action row and no hosts.
      {"GET", U + "/state", "", {}, 200, "", json("done"), {}},
      {"GET", "/ibex/v1/task/0/state", "", {}, 200, "", json("done"), {}},
      {"GET", U + "/result", "", {}, 200, "", json::object(), {}},
      {"GET", U + "/host/h1/output", "", {}, 200, "", json(nullptr), {}},
      {"GET", P + "/host/zz/output", "", {}, 200, "", json(nullptr), {}},
      // done-ids: no ids is 200 with err; unknown ids count as done, in the order asked.
      {"GET", "/ibex/v1/tasks/done-ids", "", {}, 200, "arg(ids) empty", {}, {}},
      {"GET", "/ibex/v1/tasks/done-ids", "", {{"ids", "a,,b"}}, 200, "arg(ids) empty", {}, {}},
      {"GET", "/ibex/v1/tasks/done-ids", "",
       {{"ids", std::to_string(paused) + ",987654," + std::to_string(done) + ",x," + std::to_string(running)}},
       200, "", json{{"list", {987654, done}}}, {}},
      // Task actions: malformed body first, then "finished", then the action's name.
      {"PUT", D + "/action", "{bad", {}, 400, "json body invalid: malformed JSON", {}, {}},
      {"PUT", D + "/action", R"({"action":"explode"})", {}, 200, finished, {}, {}},
      {"PUT", D + "/action", start, {}, 200, finished, {}, {}},
      {"PUT", P + "/action", R"({"action":"explode"})", {}, 200, "action invalid", {}, {}},
      {"PUT", P + "/action", R"({"Action":"START"})", {}, 200, "action invalid", {}, {}},
      // Host actions: "finished" before the body; unknown actions are an empty success.
      {"PUT", D + "/host/h1/action", "{bad", {}, 200, finished, {}, {}},
      {"PUT", D + "/host/h1/action", R"({"action":"redo"})", {}, 200, finished, {}, {}},
      {"PUT", P + "/host/h1/action", "{bad", {}, 400, "json body invalid: malformed JSON", {}, {}},
      {"PUT", P + "/host/h1/action", R"({"action":"explode"})", {}, 200, "", {}, {}},
      {"PUT", P + "/host/zz/action", R"({"action":"kill"})", {}, 200, "no such host", {}, {}},
      {"PUT", P + "/host/h1/action", R"({"action":"kill"})", {}, 200, "current status cannot kill", {}, {}},
      {"PUT", R + "/host/h1/action", R"({"action":"redo"})", {}, 200, "", {}, {}},
      {"PUT", P + "/host/h2/action", R"({"Action":"ignore"})", {}, 200, "", json("you can click start to run the task"), {}},
      // Outputs: a .json host the task does not have, in Ibex's spelling.
      {"GET", R + "/stdout.json", "", {{"host", "zz"}}, 200,
       "task: " + std::to_string(running) + ", host(zz) not eixsts", {}, {}},
      {"GET", R + "/stderr.json", "", {{"host", "h1"}}, 200, "", json::array({{{"host", "h1"}, {"stderr", ""}}}), {}},
      // Creation: the binding and the host list are 400; the field checks 200 with err.
      {"POST", "/ibex/v1/tasks", R"({"title":"t"})", {}, 400, {}, {}, {}},
      {"POST", "/ibex/v1/tasks", form("start", R"(["#h1"," "])"), {}, 400, "arg(hosts) empty", {}, {}},
      {"POST", "/ibex/v1/tasks", form("start", R"(["h1"])", -1), {}, 200, "arg(batch) should be nonnegative", {}, {}},
      {"POST", "/ibex/v1/tasks", form("go", R"(["h1"])"), {}, 200, "arg(action) must be start or pause, got 'go'", {}, {}},
      // The task list: Go's words for a number that is not one.
      {"GET", "/ibex/v1/tasks", "", {{"limit", "x"}}, 400, "cannot convert [x] to int", {}, {}},
      {"GET", "/ibex/v1/tasks", "", {{"days", "1d"}}, 400, "cannot convert [1d] to int64", {}, {}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.method + " " + row.path + " " + row.body);
    ApiResponse r = call(row.method, row.path, row.body, row.query);
    EXPECT_EQ(r.status, row.status) << r.body;
    if (row.text) {
      EXPECT_EQ(r.body, *row.text);
      EXPECT_EQ(r.content_type.rfind("text/plain", 0), 0u) << r.content_type;
      continue;
    }
    json j = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.body;
    if (row.err) {
      EXPECT_EQ(j.value("err", "<none>"), *row.err) << r.body;
    }
    if (row.dat) {
      EXPECT_EQ(j.value("dat", json("<none>")), *row.dat) << r.body;
    }
  }
  // What the rows did and did not change.
  EXPECT_EQ(status_of(running, "h1"), "running") << "a redo of a running host leaves it running";
  EXPECT_EQ(status_of(paused, "h1"), "waiting") << "an unknown host action does nothing";
  EXPECT_EQ(status_of(paused, "h2"), "ignored");
}

TEST_F(IbexRoutesTest, HostEntriesCarryStdoutAndStderr) {
  const int64_t id = create(form("pause", R"(["h1"])"));
  const std::string T = "/ibex/v1/task/" + std::to_string(id);
  json task = json::parse(call("GET", T).body)["dat"];
  // Ibex's keys, and Mend's exit code (null before the script ended).
  EXPECT_EQ(task["hosts"][0], (json{{"id", id},
                                    {"host", "h1"},
                                    {"status", "waiting"},
                                    {"stdout", ""},
                                    {"stderr", ""},
                                    {"exit_code", nullptr}}));
  for (const char* which : {"/stdout", "/stderr"}) {
    json list = json::parse(call("GET", T + which).body)["dat"];
    ASSERT_EQ(list.size(), 1u);
    EXPECT_TRUE(list[0].contains("stdout") && list[0].contains("stderr")) << list;
  }
}

TEST_F(IbexRoutesTest, TitleOfSpacesAndKeysInAnyCaseAreAccepted) {
  const int64_t spaces = create(R"({"title":"   ","account":"root","script":"x","creator":"me","action":"pause",
    "hosts":["h1"]})");
  ASSERT_GT(spaces, 0);
  json meta = json::parse(call("GET", "/ibex/v1/task/" + std::to_string(spaces)).body)["dat"]["meta"];
  EXPECT_EQ(meta["title"], "    FH: h1");
  const int64_t upper = create(R"({"Title":"Up","Account":"root","Script":"x","Creator":"me","Action":"pause",
    "Hosts":["h2"],"Batch":2})");
  ASSERT_GT(upper, 0);
  meta = json::parse(call("GET", "/ibex/v1/task/" + std::to_string(upper)).body)["dat"]["meta"];
  EXPECT_EQ(meta["title"], "Up FH: h2");
  EXPECT_EQ(meta["batch"], 2);
}

}  // namespace
}  // namespace mend
