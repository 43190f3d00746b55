#include "cli/api_views.hpp"

#include <gtest/gtest.h>

namespace mend::cli {
namespace {

using nlohmann::json;

TEST(ParseTaskView, ReadsMetaHostsAndAction) {
  auto dat = json::parse(R"({
    "meta": {"id": 42, "title": "fix FH: h1", "account": "root", "batch": 2, "tolerance": 1,
             "timeout": 30, "pause": "h2", "script": "echo hi", "args": "a,,b", "stdin": "x",
             "creator": "alice", "created": 1700000000, "done": false},
    "hosts": [{"id": 42, "host": "h1", "status": "success"}, {"id": 42, "host": "h2", "status": "running"}],
    "action": "start"})");
  auto view = parse_task_view(dat);
  ASSERT_TRUE(view.ok()) << view.error().message;
  EXPECT_EQ(view->meta.id, 42);
  EXPECT_EQ(view->meta.title, "fix FH: h1");
  EXPECT_EQ(view->meta.batch, 2);
  EXPECT_EQ(view->meta.stdin_text, "x");
  EXPECT_EQ(view->meta.created_ms, 1700000000000);
  EXPECT_FALSE(view->meta.done);
  EXPECT_EQ(view->action, "start");
  ASSERT_EQ(view->hosts.size(), 2u);
  EXPECT_EQ(view->hosts[1].host, "h2");
  EXPECT_EQ(view->hosts[1].status, "running");
}

TEST(ParseTaskMeta, CreatedInMillisecondsOrAsText) {
  EXPECT_EQ(parse_task_meta(json{{"created", 1700000000123}})->created_ms, 1700000000123);
  auto text = parse_task_meta(json{{"created", "2024-05-01T10:00:00Z"}});
  EXPECT_EQ(text->created_text, "2024-05-01T10:00:00Z");
  EXPECT_EQ(text->created_ms, 0);
  auto both =
      parse_task_meta(json{{"created", "2023-11-14T22:13:20Z"}, {"created_ms", 1700000000123}});
  EXPECT_EQ(both->created_ms, 1700000000123);
  EXPECT_EQ(both->created_text, "");
}

TEST(ParseTaskView, WrongShapesAreErrors) {
  EXPECT_FALSE(parse_task_view(json::array()).ok());
  EXPECT_FALSE(parse_task_view(json{{"hosts", json::array()}}).ok());
  EXPECT_FALSE(parse_task_view(json{{"meta", json::object()}, {"hosts", 3}}).ok());
}

TEST(ParseTaskView, MissingFieldsStayEmpty) {
  auto view = parse_task_view(json{{"meta", {{"id", 1}, {"title", 5}}}});
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->meta.title, "");
  EXPECT_TRUE(view->hosts.empty());
}

TEST(ParseHostOutput, ReadsBothStreams) {
  auto out = parse_host_output(
      json{{"id", 1}, {"host", "h1"}, {"status", "failed"}, {"stdout", "o"}, {"stderr", "e"}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, "failed");
  EXPECT_EQ(out->stdout_text, "o");
  EXPECT_EQ(out->stderr_text, "e");
}

TEST(ParseTaskList, ReadsTotalAndList) {
  auto list = parse_task_list(json::parse(
      R"({"total": 31, "list": [{"id": 2, "title": "b", "done": true}, {"id": 1, "title": "a"}]})"));
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->total, 31);
  ASSERT_EQ(list->list.size(), 2u);
  EXPECT_TRUE(list->list[0].done);
  EXPECT_EQ(list->list[1].title, "a");
  EXPECT_TRUE(parse_task_list(json{{"total", 0}, {"list", nullptr}})->list.empty());
}

TEST(ParseAgents, ReadsEveryField) {
  auto agents = parse_agents(json::parse(
      R"([{"ident":"h1","protocol":"ibex","remote":"10.0.0.1:5000","connected_ms":1000,"last_seen_ms":2000}])"));
  ASSERT_TRUE(agents.ok());
  ASSERT_EQ(agents->size(), 1u);
  EXPECT_EQ((*agents)[0].protocol, "ibex");
  EXPECT_EQ((*agents)[0].remote, "10.0.0.1:5000");
  EXPECT_EQ((*agents)[0].last_seen_ms, 2000);
  EXPECT_EQ((*agents)[0].labels, "");
  auto labelled = parse_agents(json::parse(
      R"([{"ident":"h2","server":"b:10090","labels":{"team":"db","env":"prod"}}])"));
  ASSERT_TRUE(labelled.ok());
  EXPECT_EQ((*labelled)[0].server, "b:10090");
  EXPECT_EQ((*labelled)[0].labels, "env=prod,team=db");
  EXPECT_TRUE(parse_agents(nullptr)->empty());
  EXPECT_FALSE(parse_agents(json::object()).ok());
}

TEST(ParseTaskId, NumberOrNumericString) {
  EXPECT_EQ(*parse_task_id(json(17)), 17);
  EXPECT_EQ(*parse_task_id(json("18")), 18);
  EXPECT_FALSE(parse_task_id(json("18x")).ok());
  EXPECT_FALSE(parse_task_id(json(nullptr)).ok());
}

}  // namespace
}  // namespace mend::cli
