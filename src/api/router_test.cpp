#include "api/router.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

Handler tagged(std::string tag) {
  return [tag](const ApiRequest&) { return ApiResponse{200, "text/plain", tag, {}}; };
}

std::string call(const Router& r, const char* method, const char* path) {
  auto m = r.match(method, path);
  if (!m.handler) return m.path_known ? "405" : "404";
  return (*m.handler)(ApiRequest{}).body;
}

TEST(Router, MatchesLiteralsAndCapturesParams) {
  Router r;
  r.add("GET", "/ibex/v1/tasks", auth::Access::open(), tagged("list"));
  r.add("GET", "/ibex/v1/tasks/done-ids", auth::Access::open(), tagged("done"));
  r.add("GET", "/ibex/v1/task/:id", auth::Access::open(), tagged("task"));
  r.add("GET", "/ibex/v1/task/:id/stdout", auth::Access::open(), tagged("stdout"));
  r.add("GET", "/ibex/v1/task/:id/stdout.txt", auth::Access::open(), tagged("stdout.txt"));
  r.add("PUT", "/ibex/v1/task/:id/host/:host/action", auth::Access::open(), tagged("host action"));
  EXPECT_EQ(call(r, "GET", "/ibex/v1/tasks"), "list");
  EXPECT_EQ(call(r, "GET", "/ibex/v1/tasks/done-ids"), "done");
  EXPECT_EQ(call(r, "GET", "/ibex/v1/task/12"), "task");
  EXPECT_EQ(call(r, "GET", "/ibex/v1/task/12/stdout"), "stdout");
  EXPECT_EQ(call(r, "GET", "/ibex/v1/task/12/stdout.txt"), "stdout.txt");
  auto m = r.match("PUT", "/ibex/v1/task/7/host/web%201/action");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.params.at("id"), "7");
  EXPECT_EQ(m.params.at("host"), "web 1");
}

TEST(Router, UnknownPathIs404AndWrongMethodIs405) {
  Router r;
  r.add("GET", "/ibex/v1/task/:id", auth::Access::open(), tagged("task"));
  EXPECT_EQ(call(r, "GET", "/ibex/v1/nope"), "404");
  EXPECT_EQ(call(r, "GET", "/ibex/v1/task"), "404");
  EXPECT_EQ(call(r, "GET", "/ibex/v1/task/1/extra"), "404");
  EXPECT_EQ(call(r, "DELETE", "/ibex/v1/task/1"), "405");
}

TEST(Router, TrailingSlashIsIgnoredButEmptyParamDoesNotMatch) {
  Router r;
  r.add("GET", "/ping", auth::Access::open(), tagged("pong"));
  r.add("GET", "/a/:x/b", auth::Access::open(), tagged("x"));
  EXPECT_EQ(call(r, "GET", "/ping/"), "pong");
  EXPECT_EQ(call(r, "GET", "/a//b"), "404");
}

TEST(PathSegments, Splits) {
  EXPECT_EQ(path_segments("/a/b/"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(path_segments("/").empty());
}

}  // namespace
}  // namespace mend
