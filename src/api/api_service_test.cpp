#include "api/api_service.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace mend {
namespace {

ApiService service(ApiAuth auth) {
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
  EXPECT_EQ(denied.body,
            R"x({"err":"unauthorized: this endpoint needs an Authorization header (Basic with a --basic-auth user)"})x");
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

TEST(ApiService, BearerTokensAndBasicUsersBothAdmit) {
  auto api = service(ApiAuth(BasicAuth(std::vector<BasicAuthUser>{{"ops", "secret"}}), {"tok-1", "tok-2"}));
  EXPECT_EQ(api.handle(get("/api/v1/agents", "Bearer tok-1")).status, 200);
  EXPECT_EQ(api.handle(get("/ibex/v1/task/3", "bearer tok-2")).status, 200);  // the scheme is case-insensitive
  EXPECT_EQ(api.handle(get("/ibex/v1/task/3", "Basic b3BzOnNlY3JldA==")).status, 200);
  struct Refused {
    const char* header;
    const char* message;
  };
  for (const Refused& r : {
           Refused{"", "unauthorized: this endpoint needs an Authorization header (Basic with a --basic-auth user, "
                       "or Bearer with an --api-token)"},
           Refused{"Bearer tok-3", "unauthorized: the bearer token is not accepted"},
           Refused{"Bearer tok-1x", "unauthorized: the bearer token is not accepted"},
           Refused{"Bearer ", "unauthorized: the bearer token is not accepted"},
           Refused{"Basic b3BzOndyb25n", "unauthorized: the basic-auth user or password is not accepted"},
           Refused{"Digest x", "unauthorized: unsupported Authorization scheme (use Basic with a --basic-auth user, "
                               "or Bearer with an --api-token)"},
       }) {
    auto res = api.handle(get("/api/v1/agents", r.header));
    EXPECT_EQ(res.status, 401) << r.header;
    EXPECT_EQ(res.body, nlohmann::json({{"err", r.message}}).dump()) << r.header;
    ASSERT_EQ(res.headers.size(), 2u);
    EXPECT_EQ(res.headers[0].second, "Basic realm=\"mend\"");
    EXPECT_EQ(res.headers[1].second, "Bearer realm=\"mend\"");
  }
  EXPECT_EQ(api.handle(get("/ping")).status, 200);
}

TEST(ApiService, TokensOnlyRefuseBasicWithAReason) {
  auto api = service(ApiAuth(BasicAuth(), {"tok"}));
  EXPECT_EQ(api.handle(get("/api/v1/agents", "Bearer tok")).status, 200);
  auto res = api.handle(get("/api/v1/agents", "Basic b3BzOnNlY3JldA=="));
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(res.body,
            R"x({"err":"unauthorized: basic auth is not enabled on this server (use Bearer with an --api-token)"})x");
}

TEST(ApiService, ApiTokensMustBePrintableWithoutSpaces) {
  EXPECT_TRUE(parse_api_token("abc-123_XYZ").ok());
  EXPECT_FALSE(parse_api_token("").ok());
  EXPECT_FALSE(parse_api_token("two words").ok());
  EXPECT_FALSE(parse_api_token("tab\there").ok());
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
  EXPECT_TRUE(path_needs_auth("/api/v1/agents/web-01/revoke"));
  // The agents' own routes: a join token or a certificate proves them.
  EXPECT_FALSE(path_needs_auth("/api/v1/agent/enroll"));
  EXPECT_FALSE(path_needs_auth("/api/v1/agent/ca"));
  EXPECT_FALSE(path_needs_auth("/ibex/v10"));
  EXPECT_FALSE(path_needs_auth("/ping"));
  EXPECT_FALSE(path_needs_auth("/metrics"));
}

}  // namespace
}  // namespace mend
