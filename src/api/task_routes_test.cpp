// The console's task reads and its embedded files through ApiService, over a
// real in-memory store and engine, without a socket.
#include "api/task_routes.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/api_service.hpp"
#include "api/console_routes.hpp"
#include "api/host_output_stream.hpp"
#include "testing/fake_clock.hpp"
#include "testing/recording_agent_push.hpp"

namespace mend {
namespace {

using nlohmann::json;

class TaskRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store = std::move(open_store("sqlite::memory:")).value();
    engine = std::make_unique<Engine>(*store, clock, push, metrics);
    ctx = std::make_unique<ApiContext>(ApiContext{*engine, *store, hub, clock, metrics});
    Router router;
    add_task_routes(router, *ctx);
    add_console_routes(router);
    auth::ResolverOptions open;
    open.open = true;
    api = std::make_unique<ApiService>(std::move(router),
                                       std::move(auth::PrincipalResolver::make(open, nullptr)).value());
  }

  int64_t task(const std::string& title, std::vector<std::string> hosts,
               const std::string& creator = "ann", TaskAction action = TaskAction::start) {
    TaskSpec s;
    s.title = title;
    s.account = "root";
    s.script = "echo hi";
    s.creator = creator;
    s.action = action;
    s.hosts = std::move(hosts);
    auto id = engine->create_task(s);
    EXPECT_TRUE(id.ok());
    return *id;
  }

  ApiResponse get(const std::string& path, std::map<std::string, std::string> query = {}) {
    ApiRequest req;
    req.method = "GET";
    req.path = path;
    req.query = std::move(query);
    return api->handle(req);
  }
  json dat(const std::string& path, std::map<std::string, std::string> query = {}) {
    auto res = get(path, std::move(query));
    EXPECT_EQ(res.status, 200) << res.body;
    return json::parse(res.body)["dat"];
  }

  mend::testing::FakeClock clock;
  mend::testing::RecordingAgentPush push;
  EngineMetrics metrics;
  AgentHub hub{clock};
  std::unique_ptr<Store> store;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<ApiContext> ctx;
  std::unique_ptr<ApiService> api;
};

TEST_F(TaskRoutesTest, ListFiltersAndPagesByIdFromTheNewest) {
  for (int i = 0; i < 5; ++i) task("deploy " + std::to_string(i), {"a"}, i % 2 ? "bob" : "ann");
  int64_t paused = task("paused one", {"a"}, "ann", TaskAction::pause);

  json all = dat("/api/v1/tasks", {{"limit", "2"}});
  EXPECT_EQ(all["total"], 6);
  ASSERT_EQ(all["list"].size(), 2u);
  EXPECT_EQ(all["list"][0]["id"], paused);
  EXPECT_FALSE(all["list"][0].contains("script"));
  // Following the cursor walks every task once, newest first.
  std::vector<int64_t> seen;
  json page = all;
  for (;;) {
    for (auto& t : page["list"]) seen.push_back(t["id"]);
    if (page["next_before_id"].is_null()) break;
    page =
        dat("/api/v1/tasks",
            {{"limit", "2"}, {"before_id", std::to_string(page["next_before_id"].get<int64_t>())}});
    EXPECT_EQ(page["total"], 6);  // the total counts the filter, not the cursor
  }
  ASSERT_EQ(seen.size(), 6u);
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_LT(seen[i], seen[i - 1]);

  EXPECT_EQ(dat("/api/v1/tasks", {{"creator", "bob"}})["total"], 2);
  EXPECT_EQ(dat("/api/v1/tasks", {{"title", "deploy"}})["total"], 5);
  EXPECT_EQ(dat("/api/v1/tasks", {{"state", "pause"}})["list"][0]["id"], paused);
  EXPECT_EQ(dat("/api/v1/tasks", {{"state", "start"}})["total"], 5);
  EXPECT_EQ(dat("/api/v1/tasks", {{"state", "done"}})["total"], 0);
  EXPECT_EQ(dat("/api/v1/tasks", {{"until", "1"}})["total"], 0);
  EXPECT_EQ(get("/api/v1/tasks", {{"state", "sleeping"}}).status, 400);
  EXPECT_EQ(get("/api/v1/tasks", {{"limit", "0"}}).status, 400);
}

TEST_F(TaskRoutesTest, SummaryCountsHostsAndHostsComeAsRows) {
  int64_t id = task("wide", {"h1", "h2", "h3"}, "ann", TaskAction::pause);
  json s = dat("/api/v1/tasks/" + std::to_string(id) + "/summary");
  EXPECT_EQ(s["host_count"], 3);
  EXPECT_EQ(s["counts"]["waiting"], 3);
  EXPECT_EQ(s["state"], "pause");
  EXPECT_EQ(s["script"], "echo hi");
  json h = dat("/api/v1/tasks/" + std::to_string(id) + "/hosts");
  ASSERT_EQ(h["hosts"].size(), 3u);
  EXPECT_EQ(h["hosts"][0][0], "h1");
  EXPECT_EQ(h["hosts"][0][1], "waiting");
  EXPECT_TRUE(h["hosts"][0][3].is_null()) << "no exit code before the script ran";
  EXPECT_EQ(dat("/api/v1/tasks/" + std::to_string(id) + "/hosts", {{"status", "running"}})["hosts"]
                .size(),
            0u);
  EXPECT_EQ(get("/api/v1/tasks/" + std::to_string(id) + "/hosts", {{"status", "odd"}}).status, 400);
  EXPECT_EQ(get("/api/v1/tasks/999/summary").status, 404);
  EXPECT_EQ(get("/api/v1/tasks/" + std::to_string(id) + "/hosts/nope").status, 404);
}

TEST_F(TaskRoutesTest, OutputStreamSendsWhatIsThereThenEndsWithTheRun) {
  int64_t id = task("one", {"h1"});
  ASSERT_EQ(push.assigns().size(), 1u);
  const proto::Assign a = push.assigns()[0];
  ASSERT_TRUE(engine->apply_output("h1", {a.dispatch_id, "line 1\n", ""}).ok());
  auto res = get("/api/v1/tasks/" + std::to_string(id) + "/hosts/h1/stream");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "text/event-stream");
  ASSERT_TRUE(res.stream);
  auto first = res.stream->next();
  ASSERT_TRUE(first);
  EXPECT_NE(first->find(R"("stdout_reset":"line 1\n")"), std::string::npos) << *first;
  EXPECT_EQ(res.stream->next().value_or("ended"), "");  // nothing new
  ASSERT_TRUE(engine->apply_output("h1", {a.dispatch_id, "line 1\nline 2\n", "oops"}).ok());
  auto second = res.stream->next();
  ASSERT_TRUE(second);
  EXPECT_NE(second->find(R"("stdout_append":"line 2\n")"), std::string::npos) << *second;
  EXPECT_NE(second->find(R"("stderr_append":"oops")"), std::string::npos) << *second;
  proto::ResultMsg r;
  r.dispatch_id = a.dispatch_id;
  r.task_id = id;
  r.status = proto::RunOutcome::success;
  r.exit_code = 0;
  r.stdout_text = "line 1\nline 2\nline 3\n";
  r.stderr_text = "oops";
  ASSERT_TRUE(engine->apply_result("h1", r).ok());
  auto last = res.stream->next();
  ASSERT_TRUE(last);
  EXPECT_NE(last->find(R"("end":true)"), std::string::npos) << *last;
  EXPECT_NE(last->find(R"("status":"success")"), std::string::npos) << *last;
  EXPECT_NE(last->find(R"("stdout_append":"line 3\n")"), std::string::npos) << *last;
  EXPECT_FALSE(res.stream->next());
  EXPECT_EQ(get("/api/v1/tasks/" + std::to_string(id) + "/hosts/h9/stream").status, 404);
  // The exit code the agent reported, in each view of the host.
  EXPECT_EQ(dat("/api/v1/tasks/" + std::to_string(id) + "/hosts/h1")["exit_code"], 0);
  EXPECT_EQ(dat("/api/v1/tasks/" + std::to_string(id) + "/hosts")["hosts"][0][3], 0);
}

TEST_F(TaskRoutesTest, ConsolePageAndAssetsWithCachingAndGzip) {
  auto page = get("/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<title>Mend</title>"), std::string::npos);
  auto header = [](const ApiResponse& r, const std::string& name) {
    for (auto& [k, v] : r.headers)
      if (k == name) return v;
    return std::string();
  };
  EXPECT_EQ(header(page, "Cache-Control"), "no-cache");
  std::string etag = header(page, "ETag");
  ASSERT_FALSE(etag.empty());

  ApiRequest again;
  again.method = "GET";
  again.path = "/";
  again.if_none_match = etag;
  EXPECT_EQ(api->handle(again).status, 304);

  for (const auto& asset : console_assets()) {
    if (asset.path == "/") continue;
    auto res = get(std::string(asset.path));
    ASSERT_EQ(res.status, 200) << asset.path;
    EXPECT_EQ(header(res, "Cache-Control"), "public, max-age=31536000, immutable");
    ApiRequest gz;
    gz.method = "GET";
    gz.path = std::string(asset.path);
    gz.accept_encoding = "gzip, deflate, br";
    auto zipped = api->handle(gz);
    EXPECT_EQ(header(zipped, "Content-Encoding"), "gzip");
    EXPECT_LT(zipped.body.size(), res.body.size());
  }
  EXPECT_EQ(get("/assets/nothing.js").status, 404);
}

}  // namespace
}  // namespace mend
