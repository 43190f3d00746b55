#include "api/api_audit.hpp"

#include <nlohmann/json.hpp>

#include "api/envelope.hpp"
#include "auth/sign_in_throttle.hpp"

namespace mend {

namespace {

const std::map<std::string, std::string>& action_names() {
  static const std::map<std::string, std::string> names = {
      {"POST /ibex/v1/tasks", "task.create"},
      {"PUT /ibex/v1/task/:id/action", "task.action"},
      {"PUT /ibex/v1/task/:id/host/:host/action", "host.action"},
      {"POST /api/v1/doctor/repair", "doctor.repair"},
      {"POST /api/v1/alerts", "alert.post"},
      {"POST /api/v1/alerts/alertmanager", "alert.post"},
      {"POST /api/v1/alerts/nightingale", "alert.post"},
      {"POST /api/v1/alerts/grafana", "alert.post"},
      {"POST /api/v1/heal/rules/:name/breaker/close", "breaker.close"},
      {"POST /api/v1/reload", "rules.reload"},
      {"POST /api/v1/templates", "template.save"},
      {"PUT /api/v1/templates/:name", "template.save"},
      {"DELETE /api/v1/templates/:name", "template.delete"},
      {"POST /api/v1/heal-rules", "rule.save"},
      {"PUT /api/v1/heal-rules/:name", "rule.save"},
      {"DELETE /api/v1/heal-rules/:name", "rule.delete"},
      {"POST /api/v1/session", "session.create"},
      {"DELETE /api/v1/session", "session.delete"},
      {"POST /api/v1/users", "user.create"},
      {"PUT /api/v1/users/:name", "user.update"},
      {"POST /api/v1/tokens", "token.create"},
      {"DELETE /api/v1/tokens/:id", "token.revoke"},
      {"POST /api/v1/users/:name/tokens", "token.create"},
      {"DELETE /api/v1/users/:name/tokens/:id", "token.revoke"},
      {"POST /api/v1/audit/prune", "audit.prune"},
      {"POST /api/v1/templates/:name/run", "task.create"},
      {"POST /api/v1/groups", "group.create"},
      {"PUT /api/v1/groups/:name", "group.update"},
      {"DELETE /api/v1/groups/:name", "group.delete"},
      {"PUT /api/v1/groups/:name/grants/:user", "group.grant"},
      {"DELETE /api/v1/groups/:name/grants/:user", "group.revoke"},
      {"POST /api/v1/join-tokens", "agent.join_token"},
      {"DELETE /api/v1/join-tokens/:id", "agent.join_token_revoke"},
      {"POST /api/v1/agents/:ident/revoke", "agent.revoke"},
      {"POST /api/v1/agent/enroll", "agent.enroll"},
      {"POST /api/v1/agent/renew", "agent.renew"},
  };
  return names;
}

bool secret_key(const std::string& k) {
  return k == "password" || k == "old_password" || k == "new_password" || k == "token" || k == "secret" ||
         k == "agent_token";
}

nlohmann::json brief(const nlohmann::json& j, int depth) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    return s.size() > 200 ? nlohmann::json(s.substr(0, 200) + "...") : j;
  }
  if (depth > 3) return "...";
  if (j.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = j.begin(); it != j.end(); ++it)
      out[it.key()] = secret_key(it.key()) ? nlohmann::json("***") : brief(it.value(), depth + 1);
    return out;
  }
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < j.size() && i < 50; ++i) out.push_back(brief(j[i], depth + 1));
    if (j.size() > 50) out.push_back("... " + std::to_string(j.size() - 50) + " more");
    return out;
  }
  return j;
}

}  // namespace

std::string audit_action(const std::string& method, const std::string& pattern) {
  auto it = action_names().find(method + " " + pattern);
  return it == action_names().end() ? method + " " + pattern : it->second;
}

std::string audit_target(const std::string& path, const std::map<std::string, std::string>& params) {
  if (params.empty()) return path;
  std::string out;
  for (const auto& [k, v] : params) out += (out.empty() ? "" : " ") + k + "=" + v;
  return out;
}

std::string audit_summary(const std::string& body) {
  if (body.empty()) return "{}";
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return dump_json(nlohmann::json{{"body_bytes", body.size()}});
  std::string out = dump_json(brief(j, 0));
  if (out.size() > 4000) out = dump_json(nlohmann::json{{"body_bytes", body.size()}, {"truncated", true}});
  return out;
}

AuditRecord audit_record_for(const ApiRequest& req, const std::string& action, int64_t now_ms) {
  AuditRecord r;
  r.at_ms = now_ms;
  r.actor = req.principal.name.empty() ? "anonymous" : req.principal.name;
  r.actor_kind = std::string(auth::to_string(req.principal.kind));
  r.auth_method = std::string(auth::to_string(req.principal.method));
  r.remote = auth::source_address(req.remote);
  r.action = action;
  r.target = audit_target(req.path, req.params);
  r.summary = audit_summary(req.body);
  return r;
}

}  // namespace mend
