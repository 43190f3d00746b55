// mendctl users, tokens and audit: thin over /api/v1/users, /tokens, /audit.
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/json_cells.hpp"
#include "cli/server_url.hpp"
#include "cli/table.hpp"
#include "cli/time_format.hpp"
#include "common/encoding.hpp"

namespace mend::cli {

namespace {

using nlohmann::json;

std::string tokens_path(const std::string& for_user) {
  return for_user.empty() ? "/api/v1/tokens" : "/api/v1/users/" + url_encode(for_user) + "/tokens";
}

}  // namespace

int users_list_command(const ServerApi& api, Console& console) {
  auto users = api.request(Method::get, "/api/v1/users");
  if (!users) return report_error(console, users.error());
  std::vector<std::vector<std::string>> rows;
  for (const auto& u : *users)
    rows.push_back({cell(u, "name"), cell(u, "kind"), cell(u, "role"), u.value("disabled", false) ? "disabled" : "active",
                    format_time(cell_int(u, "created_ms"), console.utc)});
  console.out << format_table({"NAME", "KIND", "ROLE", "STATE", "CREATED"}, rows);
  return kExitOk;
}

int users_add_command(const ServerApi& api, const std::string& name, const std::string& kind, const std::string& role,
                      const std::string& password, Console& console) {
  json body{{"name", name}, {"kind", kind}, {"role", role}};
  if (!password.empty()) body["password"] = password;
  auto u = api.request(Method::post, "/api/v1/users", body);
  if (!u) return report_error(console, u.error());
  console.out << "created " << cell(*u, "kind") << " " << cell(*u, "name") << " (role " << cell(*u, "role") << ")\n";
  return kExitOk;
}

int users_set_command(const ServerApi& api, const std::string& name, const std::string& role,
                      const std::string& password, std::optional<bool> disabled, Console& console) {
  json body = json::object();
  if (!role.empty()) body["role"] = role;
  if (!password.empty()) body["password"] = password;
  if (disabled) body["disabled"] = *disabled;
  auto u = api.request(Method::put, "/api/v1/users/" + url_encode(name), body);
  if (!u) return report_error(console, u.error());
  console.out << "user " << cell(*u, "name") << ": role " << cell(*u, "role")
              << (u->value("disabled", false) ? ", disabled" : ", active") << "\n";
  return kExitOk;
}

int tokens_list_command(const ServerApi& api, const std::string& for_user, int64_t now_ms, Console& console) {
  auto tokens = api.request(Method::get, tokens_path(for_user));
  if (!tokens) return report_error(console, tokens.error());
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : *tokens) {
    int64_t expires = cell_int(t, "expires_ms"), used = cell_int(t, "last_used_ms");
    rows.push_back({std::to_string(cell_int(t, "id")), cell(t, "user"), cell(t, "name"), cell(t, "prefix") + "...",
                    t["scopes"].empty() ? "(role)" : cell_list(t["scopes"]), cell(t, "state"),
                    expires ? format_time(expires, console.utc) : "never", used ? format_ago(now_ms, used) : "never"});
  }
  console.out << format_table({"ID", "USER", "NAME", "TOKEN", "SCOPES", "STATE", "EXPIRES", "LAST USED"}, rows);
  return kExitOk;
}

int tokens_create_command(const ServerApi& api, const std::string& for_user, const std::string& name,
                          const std::string& scopes, int64_t ttl_days, Console& console) {
  json body{{"name", name}, {"scopes", scopes}, {"ttl_days", ttl_days}};
  auto t = api.request(Method::post, tokens_path(for_user), body);
  if (!t) return report_error(console, t.error());
  // The token alone on stdout, so `TOKEN=$(mendctl tokens create ...)` works;
  // the rest on stderr.
  console.out << cell(*t, "token") << "\n";
  console.err << "token " << cell_int(*t, "id") << " \"" << cell(*t, "name") << "\" for " << cell(*t, "user") << ", scopes "
              << (t->at("scopes").empty() ? "(the whole role)" : cell_list(t->at("scopes")))
              << (cell_int(*t, "expires_ms") ? ", expires " + format_time(cell_int(*t, "expires_ms"), console.utc) : ", never expires")
              << ": shown once, keep it now\n";
  return kExitOk;
}

int tokens_revoke_command(const ServerApi& api, const std::string& for_user, int64_t id, Console& console) {
  auto t = api.request(Method::del, tokens_path(for_user) + "/" + std::to_string(id));
  if (!t) return report_error(console, t.error());
  console.out << "revoked token " << id << " \"" << cell(*t, "name") << "\"\n";
  return kExitOk;
}

int audit_list_command(const ServerApi& api, const AuditFilter& f, int64_t now_ms, Console& console) {
  std::string q = "limit=" + std::to_string(f.limit);
  append_query(q, "actor", f.actor);
  append_query(q, "action", f.action);
  append_query(q, "target", f.target);
  append_query(q, "outcome", f.outcome);
  for (auto [name, value] : {std::pair<const char*, const std::string*>{"since", &f.since}, {"until", &f.until}}) {
    if (value->empty()) continue;
    auto bound = time_query_bound(name, *value, now_ms);
    if (!bound) return report_error(console, bound.error());
    append_query(q, name, *bound);
  }
  auto page = api.request(Method::get, "/api/v1/audit?" + q);
  if (!page) return report_error(console, page.error());
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : (*page)["list"]) {
    std::string summary = r["summary"].is_string() ? r["summary"].get<std::string>() : r["summary"].dump();
    if (summary.size() > 80) summary = summary.substr(0, 77) + "...";
    rows.push_back({std::to_string(cell_int(r, "seq")), format_time(cell_int(r, "at_ms"), console.utc),
                    cell(r, "actor") + " (" + cell(r, "auth_method") + ")", cell(r, "remote"), cell(r, "action"), cell(r, "target"),
                    cell(r, "outcome"), summary});
  }
  console.out << format_table({"SEQ", "TIME", "WHO", "FROM", "ACTION", "TARGET", "OUTCOME", "SUMMARY"}, rows);
  return kExitOk;
}

int audit_export_command(const ServerApi& api, Console& console) {
  int64_t after = 0;
  for (;;) {
    auto text = api.get_text("/api/v1/audit/export?limit=10000&after_seq=" + std::to_string(after));
    if (!text) return report_error(console, text.error());
    if (text->empty()) return kExitOk;
    console.out << *text;
    // The last line's seq is where the next page starts.
    auto end = text->find_last_of('\n', text->size() - 2);
    auto last = json::parse(text->substr(end == std::string::npos ? 0 : end + 1), nullptr, false);
    int64_t seq = last.is_object() ? cell_int(last, "seq") : 0;
    if (seq <= after) return kExitOk;
    after = seq;
  }
}

int audit_verify_command(const ServerApi& api, Console& console) {
  auto v = api.request(Method::get, "/api/v1/audit/verify");
  if (!v) return report_error(console, v.error());
  const json& breaks = (*v)["breaks"];
  if (breaks.empty()) {
    console.out << "audit log intact: " << cell_int(*v, "records") << " records, head " << cell_int(*v, "head");
    if (cell_int(*v, "pruned_seq")) console.out << " (records up to " << cell_int(*v, "pruned_seq") << " removed by retention)";
    console.out << "\n";
    return kExitOk;
  }
  for (const auto& b : breaks) console.out << "record " << cell_int(b, "seq") << ": " << cell(b, "problem") << "\n";
  console.out << "audit log BROKEN: " << breaks.size() << " problem(s) in " << cell_int(*v, "records") << " records\n";
  return kExitHostsFailed;
}

}  // namespace mend::cli
