#include "api/api_service.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace mend {
namespace {

using auth::Access;
using auth::Permission;

ApiResponse echo_principal(const ApiRequest& req) {
  return ApiResponse{200, "text/plain", req.principal.name + "/" + req.principal.role, {}};
}

auth::PrincipalResolver resolver(auth::ResolverOptions o, auth::Directory* d = nullptr) {
  auto r = auth::PrincipalResolver::make(std::move(o), d);
  EXPECT_TRUE(r.ok());
  return std::move(r).value();
}

ApiService service(auth::ResolverOptions o, auth::Directory* d = nullptr) {
  Router r;
  r.add("GET", "/ping", Access::open(), [](const ApiRequest&) { return ApiResponse{200, "text/plain", "pong", {}}; });
  r.add("GET", "/metrics", Access::open(), [](const ApiRequest&) { return ApiResponse{200, "text/plain", "m", {}}; });
  r.add("GET", "/ibex/v1/task/:id", Access::need(Permission::task_read),
        [](const ApiRequest& req) { return ApiResponse{200, "text/plain", req.params.at("id"), {}}; });
  r.add("PUT", "/ibex/v1/task/:id/action", Access::need(Permission::task_action), echo_principal);
  r.add("GET", "/api/v1/agents", Access::need(Permission::agent_read), echo_principal);
  r.add("GET", "/api/v1/session", Access::signed_in(), echo_principal);
  r.add("GET", "/boom", Access::open(), [](const ApiRequest&) -> ApiResponse { throw std::runtime_error("bug"); });
  return ApiService(std::move(r), resolver(std::move(o), d));
}

auth::ResolverOptions basic(std::vector<auth::BasicAuthUser> users, std::vector<std::string> tokens = {}) {
  auth::ResolverOptions o;
  o.basic_users = std::move(users);
  o.api_tokens = std::move(tokens);
  return o;
}

ApiRequest get(std::string path, std::string authorization = "") {
  ApiRequest req;
  req.method = "GET";
  req.path = std::move(path);
  req.authorization = std::move(authorization);
  return req;
}

std::string err_of(const ApiResponse& res) { return nlohmann::json::parse(res.body).value("err", ""); }

TEST(ApiService, CredentialsGuardIbexAndNativeRoutesOnly) {
  auto api = service(basic({{"ops", "secret"}}));
  auto denied = api.handle(get("/ibex/v1/task/3"));
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(err_of(denied), "unauthorized: this endpoint needs credentials (a session, Basic or Bearer)");
  ASSERT_EQ(denied.headers.size(), 2u);
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

TEST(ApiService, BearerTokensAndBasicUsersBothAdmitWithTheirConfiguredRoles) {
  auto o = basic({{"ops", "secret"}}, {"tok-1", "tok-2"});
  o.api_token_role = "viewer";
  auto api = service(std::move(o));
  auto by_token = api.handle(get("/api/v1/agents", "Bearer tok-1"));
  EXPECT_EQ(by_token.status, 200);
  EXPECT_EQ(by_token.body, "api-token-1/viewer");
  EXPECT_EQ(api.handle(get("/ibex/v1/task/3", "bearer tok-2")).status, 200);  // the scheme is case-insensitive
  auto by_basic = api.handle(get("/api/v1/agents", "Basic b3BzOnNlY3JldA=="));
  EXPECT_EQ(by_basic.body, "ops/admin");  // --basic-auth users are admins unless configured otherwise
  struct Refused {
    const char* header;
    const char* message;
  };
  for (const Refused& r : {
           Refused{"", "unauthorized: this endpoint needs credentials (a session, Basic or Bearer)"},
           Refused{"Bearer tok-3", "unauthorized: the bearer token is not accepted"},
           Refused{"Bearer tok-1x", "unauthorized: the bearer token is not accepted"},
           Refused{"Bearer ", "unauthorized: the bearer token is not accepted"},
           Refused{"Basic b3BzOndyb25n", "unauthorized: the user or password is not accepted"},
           Refused{"Digest x", "unauthorized: unsupported Authorization scheme (use Basic or Bearer)"},
       }) {
    auto res = api.handle(get("/api/v1/agents", r.header));
    EXPECT_EQ(res.status, 401) << r.header;
    EXPECT_EQ(err_of(res), r.message) << r.header;
    ASSERT_EQ(res.headers.size(), 2u);
    EXPECT_EQ(res.headers[1].second, "Bearer realm=\"mend\"");
  }
  EXPECT_EQ(api.handle(get("/ping")).status, 200);
}

TEST(ApiService, ARoleWithoutTheRoutesPermissionGets403NamingIt) {
  auto o = basic({{"ops", "secret"}});
  o.basic_role = "viewer";
  auto api = service(std::move(o));
  std::vector<std::string> refused;
  api.on_refusal([&](const ApiRequest& req, const std::string& permission, const std::string&) {
    refused.push_back(req.principal.name + " " + permission);
  });
  ApiRequest put = get("/ibex/v1/task/3/action", "Basic b3BzOnNlY3JldA==");
  put.method = "PUT";
  auto res = api.handle(put);
  EXPECT_EQ(res.status, 403);
  auto body = nlohmann::json::parse(res.body);
  EXPECT_EQ(body["permission"], "task.action");
  EXPECT_EQ(body["error"], "forbidden: ops (role viewer) lacks permission task.action");
  EXPECT_EQ(refused, std::vector<std::string>{"ops task.action"});
  EXPECT_EQ(api.handle(get("/ibex/v1/task/3", "Basic b3BzOnNlY3JldA==")).status, 200);
}

TEST(ApiService, UnknownRolesAreRefusedAtStart) {
  auto o = basic({{"ops", "secret"}});
  o.basic_role = "superuser";
  auto r = auth::PrincipalResolver::make(std::move(o), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "unknown role 'superuser' (known: admin, operator, viewer)");
}

TEST(ApiService, ApiTokensMustBePrintableWithoutSpaces) {
  EXPECT_TRUE(auth::parse_api_token("abc-123_XYZ").ok());
  EXPECT_FALSE(auth::parse_api_token("").ok());
  EXPECT_FALSE(auth::parse_api_token("two words").ok());
  EXPECT_FALSE(auth::parse_api_token("tab\there").ok());
}

TEST(ApiService, AnOpenServerAdmitsEveryoneAsAnonymousAdmin) {
  auth::ResolverOptions o;
  o.open = true;
  auto api = service(std::move(o));
  EXPECT_EQ(api.handle(get("/ibex/v1/task/3")).status, 200);
  EXPECT_EQ(api.handle(get("/api/v1/agents")).body, "anonymous/admin");
}

// A directory whose database is away for the first `down` questions.
class FlakyDirectory : public auth::Directory {
 public:
  explicit FlakyDirectory(int down) : down_(down) {}
  Result<std::optional<auth::Principal>> by_password(const std::string&, const std::string&,
                                                     const std::string&) override {
    return std::optional<auth::Principal>();
  }
  Result<std::optional<auth::Principal>> by_session(const std::string&) override {
    return std::optional<auth::Principal>();
  }
  Result<std::optional<auth::Principal>> by_token(const std::string&) override {
    return std::optional<auth::Principal>();
  }
  Result<bool> has_users() override {
    if (down_-- > 0) return make_error(ErrorCode::unavailable, "database away");
    return false;
  }

 private:
  int down_;
};

TEST(ApiService, AnOpenServerWhoseDatabaseIsAwayAnswers503NeverRunningTheRoute) {
  auth::ResolverOptions o;
  o.open = true;
  FlakyDirectory directory(1);  // away for the header check only
  auto api = service(o, &directory);
  ApiRequest head = get("/ibex/v1/task/3/action");
  head.method = "PUT";
  // The headers are checked before the body is read; the database comes back
  // in between. The refusal stands: the route never sees a request without
  // its body.
  HeaderVerdict verdict = api.check_headers(head);
  EXPECT_FALSE(verdict.authenticated);
  ASSERT_TRUE(verdict.refusal.has_value());
  EXPECT_EQ(verdict.refusal->status, 503);
  EXPECT_EQ(err_of(*verdict.refusal), "database away");
}

TEST(ApiService, UnknownRoutesAndExceptions) {
  auth::ResolverOptions o;
  o.open = true;
  auto api = service(std::move(o));
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
  // The agents' own routes (a join token or a certificate proves them) are
  // under /api/v1 like every route; they are served without credentials
  // because they are declared open (see the permission matrix), not by path.
  EXPECT_TRUE(path_needs_auth("/api/v1/agent/enroll"));
  EXPECT_FALSE(path_needs_auth("/ibex/v10"));
  EXPECT_FALSE(path_needs_auth("/ping"));
  EXPECT_FALSE(path_needs_auth("/metrics"));
}

TEST(ApiService, CookieValues) {
  EXPECT_EQ(cookie_value("a=1; mend_session=xyz; b=2", "mend_session"), "xyz");
  EXPECT_EQ(cookie_value("mend_session=\"q\"", "mend_session"), "q");
  EXPECT_EQ(cookie_value("xmend_session=1", "mend_session"), "");
  EXPECT_EQ(cookie_value("", "mend_session"), "");
}

}  // namespace
}  // namespace mend
