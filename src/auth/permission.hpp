#pragma once
// What a caller may do: permissions are named actions, roles are named sets of
// them. The names are a contract with the console and API clients (they read
// them in GET /api/v1/session); never rename one, add new ones at the end.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace mend::auth {

enum class Permission : uint8_t {
  task_read,          // task.read: tasks, outputs, heal records, templates and rules as text
  task_run_template,  // task.run_template: run a saved template on hosts
  task_run_adhoc,     // task.run_adhoc: run a script written in the request
  task_action,        // task.action: pause, cancel, kill, redo tasks and hosts; repair
  template_edit,      // template.edit
  rule_edit,          // rule.edit: heal rules, their breakers, reloading the rules file
  alert_post,         // alert.post: the alert intake (Alertmanager, Grafana, Nightingale)
  ibex_call,          // ibex.call: create tasks through /ibex/v1 (Nightingale, mendctl run)
  agent_read,         // agent.read
  agent_enroll,       // agent.enroll
  agent_revoke,       // agent.revoke
  user_manage,        // user.manage: users, roles, host groups, everybody's tokens
  audit_read,         // audit.read
};
inline constexpr int kPermissionCount = 13;

std::string_view to_string(Permission p);
std::optional<Permission> parse_permission(std::string_view name);
// Every permission, in declaration order.
const std::vector<Permission>& all_permissions();

// A small value set of permissions.
class PermissionSet {
 public:
  PermissionSet() = default;
  PermissionSet(std::initializer_list<Permission> ps) {
    for (auto p : ps) add(p);
  }
  static PermissionSet all() { return PermissionSet(uint32_t{(1u << kPermissionCount) - 1}); }
  static PermissionSet from_bits(uint32_t bits) { return PermissionSet(bits & all().bits_); }

  bool has(Permission p) const { return (bits_ >> static_cast<int>(p)) & 1u; }
  void add(Permission p) { bits_ |= 1u << static_cast<int>(p); }
  void remove(Permission p) { bits_ &= ~(1u << static_cast<int>(p)); }
  PermissionSet operator&(PermissionSet o) const { return PermissionSet(bits_ & o.bits_); }
  bool operator==(const PermissionSet&) const = default;
  bool empty() const { return bits_ == 0; }
  uint32_t bits() const { return bits_; }
  // Names in declaration order.
  std::vector<std::string> names() const;
  // "task.read,alert.post" -> the set; invalid_input names the unknown entry.
  static Result<PermissionSet> parse_list(std::string_view comma_separated);

 private:
  explicit PermissionSet(uint32_t bits) : bits_(bits) {}
  uint32_t bits_ = 0;
};

struct Role {
  std::string name;
  PermissionSet permissions;
};

// admin (everything), operator (all but user.manage, audit.read, agent.enroll,
// agent.revoke), viewer (task.read, agent.read).
const std::vector<Role>& builtin_roles();
// A built-in role by name; nullptr when unknown.
const Role* find_role(std::string_view name);
// invalid_input listing the known roles when `name` is not one.
Result<const Role*> require_role(std::string_view name);

}  // namespace mend::auth
