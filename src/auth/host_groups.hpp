#pragma once
// Host groups: which hosts a user may run templates on, and which hosts a
// heal rule may reach.
//
// A group is a list of host names or glob patterns and an optional label
// selector ("env=prod,team=db": every label must be one the host's agent
// reports, see proto/agent_labels.hpp); a host belongs to every group with a
// pattern that matches its name or a selector its labels satisfy (membership
// is evaluated when a task is created, so a new host joins its groups as its
// agent arrives; labels are those of a native agent connected to any server).
// Templates and heal rules name the group they belong to. A stored user gets
// "read" or "write" access to a group; running a template needs read access
// to the template's group and write access to a group of each target host.
//
// Who sees every group: the admin role, credentials from the server's
// configuration (--basic-auth, --api-token: Nightingale keeps working as
// before; --configured-groups narrows them), an open server, and rules from
// the rules file.
//
// Threading: the server's one io_context thread. Each change is one store
// transaction (the API's audit record joins it, see audited_store.hpp).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "auth/principal.hpp"
#include "common/clock.hpp"
#include "store/group_tx.hpp"
#include "store/store.hpp"

namespace mend::auth {

enum class GroupAccess { none, read, write };
std::string_view to_string(GroupAccess a);
// "read" or "write"; invalid_input otherwise.
Result<GroupAccess> parse_group_access(std::string_view s);

// What groups one principal, or one heal rule's owner, may reach.
struct GroupAuthority {
  std::string who;   // for messages: "alice"
  bool all = false;  // every group, and hosts in no group
  std::map<std::string, GroupAccess> groups;
  GroupAccess access(const std::string& group) const;
};

// A heal rule's owner as stored with the rule: "user:NAME" for a stored user,
// "config:NAME" for credentials from the configuration, "open:anonymous" on
// an open server, "" for the rules file.
std::string owner_of(const Principal& p);

// A host's reported labels, by host.
using HostLabels = std::map<std::string, std::map<std::string, std::string>>;
// Where labels come from: the hosts' connected agents (dispatch/agent_presence.hpp).
using LabelsSource = std::function<Result<HostLabels>(const std::vector<std::string>& hosts)>;

class HostGroups {
 public:
  // `configured_groups`: the groups credentials from the configuration
  // (--basic-auth, --api-token) may write; empty: every group and host.
  HostGroups(Store& store, const Clock& clock, std::vector<std::string> configured_groups = {})
      : store_(store), clock_(clock), configured_groups_(std::move(configured_groups)) {}

  // Set by the server: without it, label selectors match no host.
  void set_labels_source(LabelsSource source) { labels_source_ = std::move(source); }

  // conflict when the name is taken; invalid_input for a bad name, pattern
  // or selector (parse_selector).
  Result<StoredGroup> create(const std::string& name, const std::vector<std::string>& hosts,
                             const std::string& description, const std::string& selector = "");
  // Changes what is given. not_found when there is no such group.
  Result<StoredGroup> update(const std::string& name, const std::optional<std::vector<std::string>>& hosts,
                             const std::optional<std::string>& description,
                             const std::optional<std::string>& selector = std::nullopt);
  // Removes the group and its grants. not_found when there is none.
  Result<void> remove(const std::string& name);
  Result<std::vector<StoredGroup>> list();
  Result<std::optional<StoredGroup>> find(const std::string& name);
  // The grants of one group ("" for every group).
  Result<std::vector<GroupGrant>> grants(const std::string& group);
  // Gives `user` access to `group` (replacing what it had). not_found for an
  // unknown group or user.
  Result<GroupGrant> grant(const std::string& group, const std::string& user, GroupAccess access);
  Result<void> revoke(const std::string& group, const std::string& user);

  Result<GroupAuthority> authority(const Principal& p);
  // A rule's owner (owner_of). A stored user who is gone or disabled reaches nothing.
  Result<GroupAuthority> authority_of_owner(const std::string& owner);

  // May `who` run a template of `template_group` ("" for none) on `hosts`,
  // each of which must also be in `within_group` when that is set (a heal
  // rule's group)? forbidden naming every host refused, and why.
  Result<void> check_run(const GroupAuthority& who, const std::string& template_name,
                         const std::string& template_group, const std::vector<std::string>& hosts,
                         const std::string& within_group = "");
  // May `who` save a template or rule belonging to `group`? It needs write
  // access to the group, which must exist; "" (no group) is fine: the hosts
  // it runs on are checked when it runs. forbidden saying why.
  Result<void> check_save(const GroupAuthority& who, const std::string& what, const std::string& group);

 private:
  GroupAuthority configured(const std::string& who) const;

  Store& store_;
  const Clock& clock_;
  std::vector<std::string> configured_groups_;
  LabelsSource labels_source_;
};

// "web-*,db-01" -> patterns; and back.
std::vector<std::string> split_patterns(const std::string& joined);
std::string join_patterns(const std::vector<std::string>& patterns);
// Whether `host` is in `g`: a name pattern matches it, or `labels` (its
// agent's, null when unknown) satisfy the group's selector.
bool group_has_host(const StoredGroup& g, const std::string& host,
                    const std::map<std::string, std::string>* labels = nullptr);

// "env=prod, team=db" -> {env: prod, team: db}; "" -> {}. Keys and values
// follow the agents' label rules (no commas in values: they separate).
// Errors: invalid_input naming the bad part.
Result<std::map<std::string, std::string>> parse_selector(const std::string& text);
// The canonical text: keys sorted, "env=prod,team=db".
std::string format_selector(const std::map<std::string, std::string>& selector);

}  // namespace mend::auth
