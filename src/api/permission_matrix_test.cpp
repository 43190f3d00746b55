// The permission matrix: every route mend-server serves (add_all_routes),
// called by every role and by nobody, must be allowed or refused exactly as
// the table below says. A route added without an entry here fails the test,
// so no route reaches production without a permission decision.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "api/all_routes.hpp"
#include "api/api_service.hpp"
#include "common/encoding.hpp"
#include "store/trust_store.hpp"
#include "tls/enroll/server_ca.hpp"
#include "testing/fake_clock.hpp"
#include "testing/recording_agent_push.hpp"

namespace mend {
namespace {

// "METHOD PATTERN" -> "open", "signed-in" or the permission's name.
const std::map<std::string, std::string> kMatrix = {
    {"POST /ibex/v1/tasks", "ibex.call"},
    {"GET /ibex/v1/tasks", "task.read"},
    {"GET /ibex/v1/tasks/done-ids", "task.read"},
    {"GET /ibex/v1/task/:id", "task.read"},
    {"PUT /ibex/v1/task/:id/action", "task.action"},
    {"GET /ibex/v1/task/:id/state", "task.read"},
    {"GET /ibex/v1/task/:id/result", "task.read"},
    {"GET /ibex/v1/task/:id/stdout", "task.read"},
    {"GET /ibex/v1/task/:id/stderr", "task.read"},
    {"GET /ibex/v1/task/:id/stdout.txt", "task.read"},
    {"GET /ibex/v1/task/:id/stderr.txt", "task.read"},
    {"GET /ibex/v1/task/:id/stdout.json", "task.read"},
    {"GET /ibex/v1/task/:id/stderr.json", "task.read"},
    {"PUT /ibex/v1/task/:id/host/:host/action", "task.action"},
    {"GET /ibex/v1/task/:id/host/:host/output", "task.read"},
    {"GET /ibex/v1/task/:id/host/:host/stdout", "task.read"},
    {"GET /ibex/v1/task/:id/host/:host/stderr", "task.read"},
    {"GET /api/v1/agents", "agent.read"},
    {"GET /api/v1/doctor", "task.read"},
    {"POST /api/v1/doctor/repair", "task.action"},
    {"GET /api/v1/tasks/:id", "task.read"},
    {"POST /api/v1/tasks/:id/rerun", "task.run_adhoc"},
    {"GET /api/v1/tasks", "task.read"},
    {"GET /api/v1/tasks/:id/summary", "task.read"},
    {"GET /api/v1/tasks/:id/hosts", "task.read"},
    {"GET /api/v1/tasks/:id/hosts/:host", "task.read"},
    {"GET /api/v1/tasks/:id/hosts/:host/stream", "task.read"},
    {"GET /", "open"},
    {"GET /assets/:name", "open"},
    {"GET /metrics", "open"},
    {"GET /ping", "open"},
    {"GET /version", "open"},
    {"GET /pid", "open"},
    {"GET /addr", "open"},
    {"POST /api/v1/alerts/alertmanager", "alert.post"},
    {"POST /api/v1/alerts/nightingale", "alert.post"},
    {"POST /api/v1/alerts/grafana", "alert.post"},
    {"POST /api/v1/alerts", "alert.post"},
    {"POST /api/v1/heal/dry-run", "task.read"},
    {"GET /api/v1/heal/records", "task.read"},
    {"GET /api/v1/heal/rules", "task.read"},
    {"POST /api/v1/heal/rules/:name/breaker/close", "rule.edit"},
    {"POST /api/v1/reload", "rule.edit"},
    {"GET /api/v1/templates", "task.read"},
    {"POST /api/v1/templates", "template.edit"},
    {"GET /api/v1/templates/:name", "task.read"},
    {"PUT /api/v1/templates/:name", "template.edit"},
    {"DELETE /api/v1/templates/:name", "template.edit"},
    {"GET /api/v1/heal-rules", "task.read"},
    {"POST /api/v1/heal-rules", "rule.edit"},
    {"GET /api/v1/heal-rules/:name", "task.read"},
    {"PUT /api/v1/heal-rules/:name", "rule.edit"},
    {"DELETE /api/v1/heal-rules/:name", "rule.edit"},
    {"POST /api/v1/session", "open"},
    {"GET /api/v1/session", "signed-in"},
    {"DELETE /api/v1/session", "signed-in"},
    {"GET /api/v1/users", "user.manage"},
    {"POST /api/v1/users", "user.manage"},
    {"PUT /api/v1/users/:name", "user.manage"},
    {"GET /api/v1/tokens", "signed-in"},
    {"POST /api/v1/tokens", "signed-in"},
    {"DELETE /api/v1/tokens/:id", "signed-in"},
    {"GET /api/v1/users/:name/tokens", "user.manage"},
    {"POST /api/v1/users/:name/tokens", "user.manage"},
    {"DELETE /api/v1/users/:name/tokens/:id", "user.manage"},
    {"GET /api/v1/audit", "audit.read"},
    {"GET /api/v1/audit/export", "audit.read"},
    {"GET /api/v1/audit/verify", "audit.read"},
    {"GET /api/v1/agent/ca", "open"},
    {"POST /api/v1/agent/enroll", "open"},
    {"POST /api/v1/agent/renew", "open"},
    {"POST /api/v1/join-tokens", "agent.enroll"},
    {"DELETE /api/v1/join-tokens/:id", "agent.enroll"},
    {"GET /api/v1/join-tokens", "agent.enroll"},
    {"POST /api/v1/agents/:ident/revoke", "agent.revoke"},
    {"POST /api/v1/templates/:name/run", "task.run_template"},
    {"GET /api/v1/roles", "signed-in"},
    {"GET /api/v1/groups", "task.read"},
    {"POST /api/v1/groups", "user.manage"},
    {"GET /api/v1/groups/:name", "task.read"},
    {"PUT /api/v1/groups/:name", "user.manage"},
    {"DELETE /api/v1/groups/:name", "user.manage"},
    {"GET /api/v1/groups/:name/grants", "user.manage"},
    {"PUT /api/v1/groups/:name/grants/:user", "user.manage"},
    {"DELETE /api/v1/groups/:name/grants/:user", "user.manage"},
};

// Stored users named after their role.
class RoleDirectory : public auth::Directory {
 public:
  Result<std::optional<auth::Principal>> by_password(const std::string& user, const std::string& password,
                                                     const std::string&) override {
    const auth::Role* role = auth::find_role(user);
    if (!role || password != "pw") return std::optional<auth::Principal>();
    auth::Principal p;
    p.kind = auth::PrincipalKind::user;
    p.name = user;
    p.role = role->name;
    p.permissions = role->permissions;
    p.method = auth::AuthMethod::basic;
    return std::optional<auth::Principal>(p);
  }
  Result<std::optional<auth::Principal>> by_session(const std::string&) override {
    return std::optional<auth::Principal>();
  }
  Result<std::optional<auth::Principal>> by_token(const std::string&) override {
    return std::optional<auth::Principal>();
  }
  Result<bool> has_users() override { return true; }
};

std::string basic_header(const std::string& user) {
  return "Basic " + base64_encode(user + ":pw");
}

std::string concrete(const std::string& pattern) {
  std::string out;
  for (const auto& seg : path_segments(pattern)) out += "/" + (seg[0] == ':' ? std::string("1") : seg);
  return out;
}

TEST(PermissionMatrix, EveryRouteWithEveryRoleIsAllowedOrRefusedAsDeclared) {
  auto store = std::move(open_store("sqlite::memory:")).value();
  testing::FakeClock clock;
  testing::RecordingAgentPush push;
  EngineMetrics metrics;
  Engine engine(*store, clock, push, metrics);
  AgentHub hub(clock);
  heal::HealService heal(*store, engine, clock, [](const std::string&) { return true; });
  ASSERT_TRUE(heal.start("").ok());
  auth::Accounts accounts(*store, clock);
  ApiContext ctx{engine, *store, hub, clock, metrics, &heal, nullptr};
  ctx.accounts = &accounts;
  auth::HostGroups groups(*store, clock);
  ctx.groups = &groups;
  auto trust_store = std::move(open_trust_store("sqlite::memory:")).value();
  auto ca = std::move(tls::load_or_create_ca(*trust_store, clock.now_ms())).value();
  tls::AgentTrust trust(*trust_store, std::move(ca), clock);
  ctx.trust = &trust;
  Router router;
  add_all_routes(router, ctx);

  std::set<std::string> seen;
  for (const auto& r : router.routes()) {
    std::string key = r.method + " " + r.pattern;
    seen.insert(key);
    auto it = kMatrix.find(key);
    if (it == kMatrix.end()) {
      ADD_FAILURE() << "route " << key << " (declared " << r.access.describe()
                    << ") has no entry in the permission matrix: add it with its decision";
      continue;
    }
    EXPECT_EQ(r.access.describe(), it->second) << key;
  }
  for (const auto& [key, decision] : kMatrix)
    EXPECT_TRUE(seen.count(key)) << key << " is in the matrix but no longer served: remove it";

  // The decisions themselves, through ApiService: handlers replaced by a stub
  // so only the check decides.
  router.replace_handlers([](const ApiRequest&) { return ApiResponse{200, "text/plain", "reached", {}}; });
  RoleDirectory directory;
  auth::ResolverOptions options;
  ApiService api(router, std::move(auth::PrincipalResolver::make(options, &directory)).value());
  int checked = 0;
  for (const auto& r : router.routes()) {
    for (const std::string who : {"admin", "operator", "viewer", "nobody"}) {
      ApiRequest req;
      req.method = r.method;
      req.path = concrete(r.pattern);
      if (who != "nobody") req.authorization = basic_header(who);
      auto res = api.handle(req);
      int want = 200;
      if (r.access.kind() != auth::Access::Kind::open) {
        if (who == "nobody") {
          want = 401;
        } else if (r.access.kind() == auth::Access::Kind::permission &&
                   !auth::find_role(who)->permissions.has(r.access.permission())) {
          want = 403;
        }
      }
      EXPECT_EQ(res.status, want) << who << " " << r.method << " " << r.pattern << ": " << res.body;
      if (want == 403) {
        EXPECT_EQ(nlohmann::json::parse(res.body)["permission"], r.access.describe());
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 4 * static_cast<int>(router.routes().size()));
}

TEST(PermissionMatrix, RolesHoldTheContractsPermissions) {
  using auth::find_role;
  EXPECT_EQ(find_role("admin")->permissions.names().size(), 13u);
  EXPECT_EQ(find_role("viewer")->permissions.names(), (std::vector<std::string>{"task.read", "agent.read"}));
  EXPECT_EQ(find_role("operator")->permissions.names(),
            (std::vector<std::string>{"task.read", "task.run_template", "task.run_adhoc", "task.action",
                                      "template.edit", "rule.edit", "alert.post", "ibex.call", "agent.read"}));
}

}  // namespace
}  // namespace mend
