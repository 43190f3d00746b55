#include "auth/permission.hpp"

namespace mend::auth {

namespace {

constexpr std::string_view kNames[kPermissionCount] = {
    "task.read",   "task.run_template", "task.run_adhoc", "task.action",  "template.edit",
    "rule.edit",   "alert.post",        "ibex.call",      "agent.read",   "agent.enroll",
    "agent.revoke", "user.manage",      "audit.read",
};

}  // namespace

std::string_view to_string(Permission p) { return kNames[static_cast<int>(p)]; }

std::optional<Permission> parse_permission(std::string_view name) {
  for (int i = 0; i < kPermissionCount; ++i)
    if (kNames[i] == name) return static_cast<Permission>(i);
  return std::nullopt;
}

const std::vector<Permission>& all_permissions() {
  static const std::vector<Permission> all = [] {
    std::vector<Permission> v;
    for (int i = 0; i < kPermissionCount; ++i) v.push_back(static_cast<Permission>(i));
    return v;
  }();
  return all;
}

std::vector<std::string> PermissionSet::names() const {
  std::vector<std::string> out;
  for (auto p : all_permissions())
    if (has(p)) out.emplace_back(to_string(p));
  return out;
}

Result<PermissionSet> PermissionSet::parse_list(std::string_view text) {
  PermissionSet set;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      auto p = parse_permission(item);
      if (!p) {
        std::string known;
        for (auto q : all_permissions()) known += std::string(known.empty() ? "" : ", ") + std::string(to_string(q));
        return make_error(ErrorCode::invalid_input,
                          "unknown permission '" + std::string(item) + "' (known: " + known + ")");
      }
      set.add(*p);
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return set;
}

const std::vector<Role>& builtin_roles() {
  static const std::vector<Role> roles = [] {
    PermissionSet op = PermissionSet::all();
    for (auto p : {Permission::user_manage, Permission::audit_read, Permission::agent_enroll,
                   Permission::agent_revoke})
      op.remove(p);
    return std::vector<Role>{
        {"admin", PermissionSet::all()},
        {"operator", op},
        {"viewer", PermissionSet{Permission::task_read, Permission::agent_read}},
    };
  }();
  return roles;
}

const Role* find_role(std::string_view name) {
  for (const auto& r : builtin_roles())
    if (r.name == name) return &r;
  return nullptr;
}

Result<const Role*> require_role(std::string_view name) {
  if (const Role* r = find_role(name)) return r;
  return make_error(ErrorCode::invalid_input, "unknown role '" + std::string(name) + "' (known: admin, operator, viewer)");
}

}  // namespace mend::auth
