// Users, sessions and API tokens, written once for both backends over
// StoreTx::query (statements in PostgreSQL's form, see sql_query.hpp).
#include "store/row_fields.hpp"
#include "store/store.hpp"

namespace mend {

namespace {

const char* kUserColumns = "id, name, kind, role, password_hash, disabled, created_ms, updated_ms";

StoredUser read_user(const SqlRows& r, size_t i) {
  StoredUser u;
  read_row(r, i, u.id, u.name, u.kind, u.role, u.password_hash, u.disabled, u.created_ms, u.updated_ms);
  return u;
}

const char* kTokenColumns =
    "t.id, t.user_id, u.name, t.name, t.prefix, t.hash, t.scopes, t.created_ms, t.expires_ms, t.last_used_ms, "
    "t.revoked_ms FROM api_tokens t JOIN users u ON u.id = t.user_id";

StoredToken read_token(const SqlRows& r, size_t i) {
  StoredToken t;
  read_row(r, i, t.id, t.user_id, t.user_name, t.name, t.prefix, t.hash, t.scopes, t.created_ms, t.expires_ms,
           t.last_used_ms, t.revoked_ms);
  return t;
}

SqlValue v(std::string_view s) { return std::string(s); }
SqlValue v(int64_t i) { return i; }

}  // namespace

Result<int64_t> StoreTx::insert_user(const StoredUser& u) {
  // ON CONFLICT DO NOTHING rather than a unique violation: on PostgreSQL an
  // SQL error would abort the caller's whole transaction.
  MEND_ASSIGN_OR_RETURN(
      SqlRows r, query("INSERT INTO users(name, kind, role, password_hash, disabled, created_ms, updated_ms) "
                       "VALUES ($1::text, $2::text, $3::text, $4::text, $5::bigint, $6::bigint, $7::bigint) "
                       "ON CONFLICT (name) DO NOTHING RETURNING id",
                       {v(u.name), v(u.kind), v(u.role), v(u.password_hash), v(int64_t{u.disabled}),
                        v(u.created_ms), v(u.updated_ms)}));
  if (r.empty()) return make_error(ErrorCode::conflict, "a user named '" + u.name + "' exists");
  return r.i64(0, 0);
}

Result<std::optional<StoredUser>> StoreTx::find_user(std::string_view name) {
  MEND_ASSIGN_OR_RETURN(SqlRows r,
                        query(std::string("SELECT ") + kUserColumns + " FROM users WHERE name = $1::text", {v(name)}));
  return first_row(r, read_user);
}

Result<std::optional<StoredUser>> StoreTx::find_user_by_id(int64_t id) {
  MEND_ASSIGN_OR_RETURN(SqlRows r,
                        query(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = $1::bigint", {v(id)}));
  return first_row(r, read_user);
}

Result<std::vector<StoredUser>> StoreTx::list_users() {
  MEND_ASSIGN_OR_RETURN(SqlRows r, query(std::string("SELECT ") + kUserColumns + " FROM users ORDER BY id", {}));
  std::vector<StoredUser> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(read_user(r, i));
  return out;
}

Result<void> StoreTx::update_user(const StoredUser& u) {
  MEND_ASSIGN_OR_RETURN(SqlRows r, query("UPDATE users SET role = $1::text, password_hash = $2::text, "
                                         "disabled = $3::bigint, updated_ms = $4::bigint WHERE id = $5::bigint",
                                         {v(u.role), v(u.password_hash), v(int64_t{u.disabled}), v(u.updated_ms),
                                          v(u.id)}));
  if (r.affected == 0) return make_error(ErrorCode::not_found, "no user with id " + std::to_string(u.id));
  return ok();
}

Result<int64_t> StoreTx::count_users() {
  MEND_ASSIGN_OR_RETURN(SqlRows r, query("SELECT COUNT(*) FROM users", {}));
  return r.i64(0, 0);
}

Result<void> StoreTx::insert_session(const StoredSession& s) {
  MEND_TRY(query("INSERT INTO sessions(id_hash, user_id, csrf_token, remote, created_ms, expires_ms, last_seen_ms) "
                 "VALUES ($1::text, $2::bigint, $3::text, $4::text, $5::bigint, $6::bigint, $7::bigint)",
                 {v(s.id_hash), v(s.user_id), v(s.csrf_token), v(s.remote), v(s.created_ms), v(s.expires_ms),
                  v(s.last_seen_ms)}));
  return ok();
}

Result<std::optional<StoredSession>> StoreTx::find_session(std::string_view id_hash) {
  MEND_ASSIGN_OR_RETURN(
      SqlRows r, query("SELECT id_hash, user_id, csrf_token, remote, created_ms, expires_ms, last_seen_ms "
                       "FROM sessions WHERE id_hash = $1::text",
                       {v(id_hash)}));
  if (r.empty()) return std::optional<StoredSession>();
  StoredSession s;
  read_row(r, 0, s.id_hash, s.user_id, s.csrf_token, s.remote, s.created_ms, s.expires_ms, s.last_seen_ms);
  return std::optional<StoredSession>(std::move(s));
}

Result<void> StoreTx::touch_session(std::string_view id_hash, int64_t last_seen_ms, int64_t expires_ms) {
  MEND_TRY(query("UPDATE sessions SET last_seen_ms = $1::bigint, expires_ms = $2::bigint WHERE id_hash = $3::text",
                 {v(last_seen_ms), v(expires_ms), v(id_hash)}));
  return ok();
}

Result<bool> StoreTx::delete_session(std::string_view id_hash) {
  MEND_ASSIGN_OR_RETURN(SqlRows r, query("DELETE FROM sessions WHERE id_hash = $1::text", {v(id_hash)}));
  return r.affected > 0;
}

Result<int64_t> StoreTx::delete_user_sessions(int64_t user_id) {
  MEND_ASSIGN_OR_RETURN(SqlRows r, query("DELETE FROM sessions WHERE user_id = $1::bigint", {v(user_id)}));
  return r.affected;
}

Result<int64_t> StoreTx::delete_expired_sessions(int64_t now_ms) {
  MEND_ASSIGN_OR_RETURN(SqlRows r, query("DELETE FROM sessions WHERE expires_ms <= $1::bigint", {v(now_ms)}));
  return r.affected;
}

Result<int64_t> StoreTx::insert_token(const StoredToken& t) {
  MEND_ASSIGN_OR_RETURN(
      SqlRows r, query("INSERT INTO api_tokens(user_id, name, prefix, hash, scopes, created_ms, expires_ms) "
                       "VALUES ($1::bigint, $2::text, $3::text, $4::text, $5::text, $6::bigint, $7::bigint) "
                       "RETURNING id",
                       {v(t.user_id), v(t.name), v(t.prefix), v(t.hash), v(t.scopes), v(t.created_ms),
                        v(t.expires_ms)}));
  if (r.empty()) return make_error(ErrorCode::internal, "insert into api_tokens returned no id");
  return r.i64(0, 0);
}

Result<std::optional<StoredToken>> StoreTx::find_token_by_hash(std::string_view hash) {
  MEND_ASSIGN_OR_RETURN(SqlRows r,
                        query(std::string("SELECT ") + kTokenColumns + " WHERE t.hash = $1::text", {v(hash)}));
  return first_row(r, read_token);
}

Result<std::optional<StoredToken>> StoreTx::find_token(int64_t id) {
  MEND_ASSIGN_OR_RETURN(SqlRows r, query(std::string("SELECT ") + kTokenColumns + " WHERE t.id = $1::bigint", {v(id)}));
  return first_row(r, read_token);
}

Result<std::vector<StoredToken>> StoreTx::list_tokens(int64_t user_id) {
  MEND_ASSIGN_OR_RETURN(SqlRows r, query(std::string("SELECT ") + kTokenColumns +
                                             " WHERE ($1::bigint = 0 OR t.user_id = $1::bigint) ORDER BY t.id DESC",
                                         {v(user_id)}));
  std::vector<StoredToken> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(read_token(r, i));
  return out;
}

Result<bool> StoreTx::revoke_token(int64_t id, int64_t now_ms) {
  MEND_ASSIGN_OR_RETURN(SqlRows r, query("UPDATE api_tokens SET revoked_ms = $1::bigint "
                                         "WHERE id = $2::bigint AND revoked_ms = 0",
                                         {v(now_ms), v(id)}));
  return r.affected > 0;
}

Result<void> StoreTx::touch_token(int64_t id, int64_t now_ms) {
  MEND_TRY(query("UPDATE api_tokens SET last_used_ms = $1::bigint WHERE id = $2::bigint", {v(now_ms), v(id)}));
  return ok();
}

}  // namespace mend
