#include "auth/host_groups.hpp"

#include <fnmatch.h>

#include <cctype>
#include <functional>

#include "auth/in_tx.hpp"
#include "common/strings.hpp"
#include "proto/agent_labels.hpp"

namespace mend::auth {

namespace {

Result<void> check_group_name(const std::string& name) {
  bool good = !name.empty() && name.size() <= 64;
  for (char c : name) good &= std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  if (!good) return make_error(ErrorCode::invalid_input, "a group name is 1 to 64 of A-Z a-z 0-9 . _ -");
  return ok();
}

Result<void> check_patterns(const std::vector<std::string>& hosts) {
  for (const auto& h : hosts) {
    bool good = !h.empty() && h.size() <= 255;
    for (char c : h) good &= !std::isspace(static_cast<unsigned char>(c)) && !std::iscntrl(static_cast<unsigned char>(c)) && c != ',';
    if (!good)
      return make_error(ErrorCode::invalid_input,
                        "a group's hosts are names or glob patterns (web-*, db-0[1-3]) of 1 to 255 characters, "
                        "without spaces or commas");
  }
  return ok();
}

std::string list_text(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

std::string_view to_string(GroupAccess a) {
  switch (a) {
    case GroupAccess::none: return "none";
    case GroupAccess::read: return "read";
    case GroupAccess::write: return "write";
  }
  return "none";
}

Result<GroupAccess> parse_group_access(std::string_view s) {
  if (s == "read") return GroupAccess::read;
  if (s == "write") return GroupAccess::write;
  return make_error(ErrorCode::invalid_input, "access must be read or write");
}

GroupAccess GroupAuthority::access(const std::string& group) const {
  if (all) return GroupAccess::write;
  auto it = groups.find(group);
  return it == groups.end() ? GroupAccess::none : it->second;
}

std::string owner_of(const Principal& p) {
  if (p.user_id != 0) return "user:" + p.name;
  if (p.method == AuthMethod::open) return "open:anonymous";
  return "config:" + (p.name.empty() ? std::string("anonymous") : p.name);
}

std::vector<std::string> split_patterns(const std::string& joined) { return split_nonempty(joined, ","); }

std::string join_patterns(const std::vector<std::string>& patterns) {
  std::string out;
  for (const auto& p : patterns) out += (out.empty() ? "" : ",") + p;
  return out;
}

Result<std::map<std::string, std::string>> parse_selector(const std::string& text) {
  std::map<std::string, std::string> out;
  for (const auto& part : split_patterns(text)) {
    std::string_view p = part;
    while (!p.empty() && p.front() == ' ') p.remove_prefix(1);
    while (!p.empty() && p.back() == ' ') p.remove_suffix(1);
    if (p.empty()) continue;
    auto label = proto::parse_label(p);
    if (!label.ok())
      return make_error(ErrorCode::invalid_input,
                        "labels: " + label.error().message + " (a selector is key=value pairs separated by commas)");
    if (!out.emplace(label->first, label->second).second)
      return make_error(ErrorCode::invalid_input, "labels: key '" + label->first + "' given twice");
  }
  if (out.size() > proto::kMaxLabels)
    return make_error(ErrorCode::invalid_input,
                      "labels: at most " + std::to_string(proto::kMaxLabels) + " labels");
  return out;
}

std::string format_selector(const std::map<std::string, std::string>& selector) {
  std::string out;
  for (const auto& [k, v] : selector) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

bool group_has_host(const StoredGroup& g, const std::string& host, const std::map<std::string, std::string>* labels) {
  for (const auto& p : split_patterns(g.hosts))
    if (p == host || ::fnmatch(p.c_str(), host.c_str(), 0) == 0) return true;
  if (g.labels.empty() || !labels) return false;
  // Stored selectors were checked when saved; one that no longer parses selects nobody.
  auto selector = parse_selector(g.labels);
  if (!selector.ok() || selector->empty()) return false;
  for (const auto& [k, v] : *selector) {
    auto it = labels->find(k);
    if (it == labels->end() || it->second != v) return false;
  }
  return true;
}

Result<StoredGroup> HostGroups::create(const std::string& name, const std::vector<std::string>& hosts,
                                       const std::string& description, const std::string& selector) {
  MEND_TRY(check_group_name(name));
  MEND_TRY(check_patterns(hosts));
  MEND_ASSIGN_OR_RETURN(auto parsed, parse_selector(selector));
  StoredGroup g{name, join_patterns(hosts), description, clock_.now_ms(), clock_.now_ms(), format_selector(parsed)};
  return in_tx<StoredGroup>(store_, true, [&](StoreTx& tx) -> Result<StoredGroup> {
    MEND_ASSIGN_OR_RETURN(bool created, put_group(tx, g));
    if (!created) return make_error(ErrorCode::conflict, "a group named '" + name + "' exists");
    return g;
  });
}

Result<StoredGroup> HostGroups::update(const std::string& name, const std::optional<std::vector<std::string>>& hosts,
                                       const std::optional<std::string>& description,
                                       const std::optional<std::string>& selector) {
  if (hosts) MEND_TRY(check_patterns(*hosts));
  std::optional<std::string> canonical;
  if (selector) {
    MEND_ASSIGN_OR_RETURN(auto parsed, parse_selector(*selector));
    canonical = format_selector(parsed);
  }
  return in_tx<StoredGroup>(store_, true, [&](StoreTx& tx) -> Result<StoredGroup> {
    MEND_ASSIGN_OR_RETURN(auto found, find_group(tx, name));
    if (!found) return make_error(ErrorCode::not_found, "no group '" + name + "'");
    StoredGroup g = *found;
    if (hosts) g.hosts = join_patterns(*hosts);
    if (description) g.description = *description;
    if (canonical) g.labels = *canonical;
    g.updated_ms = clock_.now_ms();
    MEND_TRY(put_group(tx, g));
    return g;
  });
}

Result<void> HostGroups::remove(const std::string& name) {
  return store_.transact([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(bool gone, delete_group(tx, name));
    if (!gone) return make_error(ErrorCode::not_found, "no group '" + name + "'");
    return ok();
  });
}

Result<std::vector<StoredGroup>> HostGroups::list() {
  return in_tx<std::vector<StoredGroup>>(store_, false, [](StoreTx& tx) { return list_groups(tx); });
}

Result<std::optional<StoredGroup>> HostGroups::find(const std::string& name) {
  return in_tx<std::optional<StoredGroup>>(store_, false, [&](StoreTx& tx) { return find_group(tx, name); });
}

Result<std::vector<GroupGrant>> HostGroups::grants(const std::string& group) {
  return in_tx<std::vector<GroupGrant>>(store_, false, [&](StoreTx& tx) { return list_grants(tx, group, 0); });
}

Result<GroupGrant> HostGroups::grant(const std::string& group, const std::string& user, GroupAccess access) {
  if (access == GroupAccess::none) return make_error(ErrorCode::invalid_input, "access must be read or write");
  return in_tx<GroupGrant>(store_, true, [&](StoreTx& tx) -> Result<GroupGrant> {
    MEND_ASSIGN_OR_RETURN(auto g, find_group(tx, group));
    if (!g) return make_error(ErrorCode::not_found, "no group '" + group + "'");
    MEND_ASSIGN_OR_RETURN(auto u, tx.find_user(user));
    if (!u) return make_error(ErrorCode::not_found, "no user '" + user + "'");
    MEND_TRY(put_grant(tx, group, u->id, to_string(access)));
    return GroupGrant{group, u->id, u->name, std::string(to_string(access))};
  });
}

Result<void> HostGroups::revoke(const std::string& group, const std::string& user) {
  return store_.transact([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(auto u, tx.find_user(user));
    if (!u) return make_error(ErrorCode::not_found, "no user '" + user + "'");
    MEND_ASSIGN_OR_RETURN(bool gone, delete_grant(tx, group, u->id));
    if (!gone) return make_error(ErrorCode::not_found, "user '" + user + "' has no access to group '" + group + "'");
    return ok();
  });
}

GroupAuthority HostGroups::configured(const std::string& who) const {
  GroupAuthority a;
  a.who = who;
  a.all = configured_groups_.empty();
  for (const auto& g : configured_groups_) a.groups[g] = GroupAccess::write;
  return a;
}

Result<GroupAuthority> HostGroups::authority(const Principal& p) {
  GroupAuthority a;
  a.who = p.name.empty() ? "anonymous" : p.name;
  // Credentials from the configuration reach every group (as they reached
  // every host before groups existed) unless --configured-groups narrows them.
  if (p.user_id == 0 && p.method != AuthMethod::open) return configured(a.who);
  // An open server, and an admin, reach everything.
  if (p.user_id == 0 || p.role == "admin") {
    a.all = true;
    return a;
  }
  MEND_ASSIGN_OR_RETURN(auto grants, in_tx<std::vector<GroupGrant>>(store_, false, [&](StoreTx& tx) {
    return list_grants(tx, "", p.user_id);
  }));
  for (const auto& g : grants) a.groups[g.group] = g.access == "write" ? GroupAccess::write : GroupAccess::read;
  return a;
}

Result<GroupAuthority> HostGroups::authority_of_owner(const std::string& owner) {
  GroupAuthority a;
  if (owner.rfind("config:", 0) == 0) return configured(owner.substr(7));
  if (owner.rfind("user:", 0) != 0) {
    a.who = owner.empty() ? "the rules file" : owner;
    a.all = true;
    return a;
  }
  a.who = owner.substr(5);
  struct Found {
    std::optional<StoredUser> user;
    std::vector<GroupGrant> grants;
  };
  MEND_ASSIGN_OR_RETURN(Found f, in_tx<Found>(store_, false, [&](StoreTx& tx) -> Result<Found> {
    Found out;
    MEND_ASSIGN_OR_RETURN(out.user, tx.find_user(a.who));
    if (out.user) {
      MEND_ASSIGN_OR_RETURN(out.grants, list_grants(tx, "", out.user->id));
    }
    return out;
  }));
  if (!f.user || f.user->disabled) return a;  // reaches nothing
  if (f.user->role == "admin") {
    a.all = true;
    return a;
  }
  for (const auto& g : f.grants) a.groups[g.group] = g.access == "write" ? GroupAccess::write : GroupAccess::read;
  return a;
}

Result<void> HostGroups::check_run(const GroupAuthority& who, const std::string& template_name,
                                   const std::string& template_group, const std::vector<std::string>& hosts,
                                   const std::string& within_group) {
  if (who.all && within_group.empty()) return ok();
  MEND_ASSIGN_OR_RETURN(std::vector<StoredGroup> groups, list());
  if (!template_group.empty() && who.access(template_group) == GroupAccess::none)
    return make_error(ErrorCode::forbidden, who.who + " has no access to group '" + template_group +
                                                "' of template '" + template_name + "'");
  const StoredGroup* within = nullptr;
  if (!within_group.empty()) {
    for (const auto& g : groups)
      if (g.name == within_group) within = &g;
    if (!within) return make_error(ErrorCode::forbidden, "group '" + within_group + "' does not exist");
  }
  // Labels are read only when a group that decides has a selector, so
  // groups by name alone cost what they did.
  HostLabels labels;
  bool selectors = false;
  for (const auto& g : groups) selectors = selectors || !g.labels.empty();
  if (selectors && labels_source_ && !hosts.empty()) {
    MEND_ASSIGN_OR_RETURN(labels, labels_source_(hosts));
  }
  auto labels_of = [&](const std::string& h) -> const std::map<std::string, std::string>* {
    auto it = labels.find(h);
    return it == labels.end() ? nullptr : &it->second;
  };
  std::vector<std::string> outside, not_writable;
  for (const auto& h : hosts) {
    if (within && !group_has_host(*within, h, labels_of(h))) {
      outside.push_back(h);
      continue;
    }
    if (who.all) continue;
    bool writable = false;
    for (const auto& g : groups)
      writable = writable || (who.access(g.name) == GroupAccess::write && group_has_host(g, h, labels_of(h)));
    if (!writable) not_writable.push_back(h);
  }
  if (!outside.empty())
    return make_error(ErrorCode::forbidden, "host " + list_text(outside) + " is not in group '" + within_group + "'");
  if (!not_writable.empty())
    return make_error(ErrorCode::forbidden, who.who + " may not run template '" + template_name + "' on host " +
                                                list_text(not_writable) + ": not in a group where " + who.who +
                                                " has write access");
  return ok();
}

Result<void> HostGroups::check_save(const GroupAuthority& who, const std::string& what, const std::string& group) {
  // No group: it reaches what its runner (a rule: its owner) may reach, which
  // is checked when it runs.
  if (group.empty()) return ok();
  MEND_ASSIGN_OR_RETURN(auto g, find(group));
  if (!g) return make_error(ErrorCode::invalid_input, what + ": no group '" + group + "'");
  if (who.access(group) != GroupAccess::write)
    return make_error(ErrorCode::forbidden, who.who + " may not save " + what + " in group '" + group +
                                                "': no write access to it");
  return ok();
}

}  // namespace mend::auth
