// Host groups and grants, written once for both backends over StoreTx::query
// (statements in PostgreSQL's form, see sql_query.hpp).
#include "store/group_tx.hpp"

#include "store/row_fields.hpp"

namespace mend {

namespace {

SqlValue v(std::string_view s) { return std::string(s); }
SqlValue v(int64_t i) { return i; }

const char* kGroupColumns = "name, hosts, description, created_ms, updated_ms, labels FROM host_groups";

StoredGroup read_group(const SqlRows& r, size_t i) {
  return StoredGroup{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.i64(i, 3), r.i64(i, 4), r.text(i, 5)};
}

}  // namespace

Result<bool> put_group(StoreTx& tx, const StoredGroup& g) {
  // Insert first, update when it exists: no unique violation, which on
  // PostgreSQL would abort the caller's whole transaction.
  MEND_ASSIGN_OR_RETURN(SqlRows inserted,
                        tx.query("INSERT INTO host_groups(name, hosts, description, created_ms, updated_ms, labels) "
                              "VALUES ($1::text, $2::text, $3::text, $4::bigint, $5::bigint, $6::text) "
                              "ON CONFLICT (name) DO NOTHING RETURNING name",
                              {v(g.name), v(g.hosts), v(g.description), v(g.created_ms), v(g.updated_ms),
                               v(g.labels)}));
  if (!inserted.empty()) return true;
  MEND_TRY(tx.query("UPDATE host_groups SET hosts = $1::text, description = $2::text, updated_ms = $3::bigint, "
                 "labels = $5::text WHERE name = $4::text",
                 {v(g.hosts), v(g.description), v(g.updated_ms), v(g.name), v(g.labels)}));
  return false;
}

Result<std::optional<StoredGroup>> find_group(StoreTx& tx, std::string_view name) {
  MEND_ASSIGN_OR_RETURN(SqlRows r, tx.query(std::string("SELECT ") + kGroupColumns + " WHERE name = $1::text", {v(name)}));
  return first_row(r, read_group);
}

Result<std::vector<StoredGroup>> list_groups(StoreTx& tx) {
  MEND_ASSIGN_OR_RETURN(SqlRows r, tx.query(std::string("SELECT ") + kGroupColumns + " ORDER BY name", {}));
  std::vector<StoredGroup> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(read_group(r, i));
  return out;
}

Result<bool> delete_group(StoreTx& tx, std::string_view name) {
  MEND_TRY(tx.query("DELETE FROM group_grants WHERE group_name = $1::text", {v(name)}));
  MEND_ASSIGN_OR_RETURN(SqlRows r, tx.query("DELETE FROM host_groups WHERE name = $1::text", {v(name)}));
  return r.affected > 0;
}

Result<void> put_grant(StoreTx& tx, std::string_view group, int64_t user_id, std::string_view access) {
  MEND_TRY(tx.query("INSERT INTO group_grants(group_name, user_id, access) VALUES ($1::text, $2::bigint, $3::text) "
                 "ON CONFLICT (group_name, user_id) DO UPDATE SET access = excluded.access",
                 {v(group), v(user_id), v(access)}));
  return ok();
}

Result<bool> delete_grant(StoreTx& tx, std::string_view group, int64_t user_id) {
  MEND_ASSIGN_OR_RETURN(SqlRows r, tx.query("DELETE FROM group_grants WHERE group_name = $1::text AND user_id = $2::bigint",
                                         {v(group), v(user_id)}));
  return r.affected > 0;
}

Result<std::vector<GroupGrant>> list_grants(StoreTx& tx, std::string_view group, int64_t user_id) {
  MEND_ASSIGN_OR_RETURN(SqlRows r,
                        tx.query("SELECT g.group_name, g.user_id, u.name, g.access FROM group_grants g "
                              "JOIN users u ON u.id = g.user_id "
                              "WHERE ($1::text = '' OR g.group_name = $1::text) "
                              "AND ($2::bigint = 0 OR g.user_id = $2::bigint) ORDER BY g.group_name, u.name",
                              {v(group), v(user_id)}));
  std::vector<GroupGrant> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(GroupGrant{r.text(i, 0), r.i64(i, 1), r.text(i, 2), r.text(i, 3)});
  return out;
}

}  // namespace mend
