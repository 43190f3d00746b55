#pragma once
// Host groups and users' grants on them, as stored (src/auth decides who may
// reach what; see auth/host_groups.hpp). Written once for both backends over
// StoreTx::query, as auth_tx.cpp is; free functions so that the Store
// interface, which everything includes, stays as it is.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"

namespace mend {

// A host group: the hosts whose names match one of `hosts` (exact names or
// fnmatch globs: "web-*", "db-0[1-3]"), and those whose agent reports every
// label of `labels` (a selector, "env=prod,team=db"; "" selects none).
struct StoredGroup {
  std::string name;
  std::string hosts;  // comma-separated names or globs
  std::string description;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  std::string labels;  // the label selector, canonical (keys sorted); schema version 11
};

// A user's access to one group: "read" or "write".
struct GroupGrant {
  std::string group;
  int64_t user_id = 0;
  std::string user_name;  // filled by reads (joined)
  std::string access;
};

// Inserts or replaces the group (created_ms kept on replace); whether it was new.
Result<bool> put_group(StoreTx& tx, const StoredGroup& group);
Result<std::optional<StoredGroup>> find_group(StoreTx& tx, std::string_view name);
// By name.
Result<std::vector<StoredGroup>> list_groups(StoreTx& tx);
// Deletes the group and its grants; whether it existed.
Result<bool> delete_group(StoreTx& tx, std::string_view name);
// Inserts or replaces the user's access to the group.
Result<void> put_grant(StoreTx& tx, std::string_view group, int64_t user_id, std::string_view access);
// Whether a grant was removed.
Result<bool> delete_grant(StoreTx& tx, std::string_view group, int64_t user_id);
// Grants of one group (group non-empty) and/or of one user (user_id non-zero), by group then user.
Result<std::vector<GroupGrant>> list_grants(StoreTx& tx, std::string_view group, int64_t user_id);

}  // namespace mend
