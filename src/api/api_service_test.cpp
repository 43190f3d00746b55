#include "api/api_service.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

ApiService service(BasicAuth auth) {
  Router r;
  r.add("GET", "/ping", [](const ApiRequest&) { return ApiResponse{200, "text/plain", "pong", {}}; });
  r.add("GET", "/metrics", [](const ApiRequest&) { return ApiResponse{200, "text/plain", "m", {}}; });
  r.add("GET", "/ibex/v1/task/:id",
        [](const ApiRequest& req) { return ApiResponse{200, "text/plain", req.params.at("id"), {}}; });
  r.add("GET", "/api/v1/agents", [](const ApiRequest&) { return ApiResponse{200, "text/plain", "agents", {}}; });
  r.add("GET", "/boom", [](const ApiRequest&) -> ApiResponse { throw std::runtime_error("bug"); });
  return ApiService(std::move(r), std::move(auth));
}

ApiRequest get(std::string path, std::string authorization = "") {
  ApiRequest req;
  req.method = "GET";
  req.path = std::move(path);
  req.authorization = std::move(authorization);
  return req;
}

TEST(ApiService, BasicAuthGuardsIbexAndNativeRoutesOnly) {
  auto api = service(BasicAuth(std::vector<BasicAuthUser>{{"ops", "secret"}}));
  auto denied = api.handle(get("/ibex/v1/task/3"));
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.body, R"({"err":"unauthorized"})");
  ASSERT_EQ(denied.headers.size(), 1u);
  EXPECT_EQ(denied.headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(denied.headers[0].second, "Basic realm=\"mend\"");
  EXPECT_EQ(api.handle(get("/api/v1/agents")).status, 401);
  EXPECT_EQ(api.handle(get("/ibex/v1/task/3", "Basic b3BzOndyb25n")).status, 401);  // ops:wrong
  auto ok = api.handle(get("/ibex/v1/task/3", "Basic b3BzOnNlY3JldA=="));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "3");
  EXPECT_EQ(api.handle(get("/ping")).status, 200);
  EXPECT_EQ(api.handle(get("/metrics")).status, 200);
}

TEST(ApiService, OpenWithoutUsers) {
  auto api = service(BasicAuth());
  EXPECT_EQ(api.handle(get("/ibex/v1/task/3")).status, 200);
}

TEST(ApiService, UnknownRoutesAndExceptions) {
  auto api = service(BasicAuth());
  auto nf = api.handle(get("/nope"));
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.body, R"({"err":"not found"})");
  ApiRequest put = get("/ping");
  put.method = "PUT";
  EXPECT_EQ(api.handle(put).status, 405);
  auto boom = api.handle(get("/boom"));
  EXPECT_EQ(boom.status, 500);
}

TEST(ApiService, PathsNeedingAuth) {
  EXPECT_TRUE(path_needs_auth("/ibex/v1/tasks"));
  EXPECT_TRUE(path_needs_auth("/api/v1/agents"));
  EXPECT_FALSE(path_needs_auth("/ibex/v10"));
  EXPECT_FALSE(path_needs_auth("/ping"));
  EXPECT_FALSE(path_needs_auth("/metrics"));
}

}  // namespace
}  // namespace mend
