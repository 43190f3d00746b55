// The audit log, written once for both backends over StoreTx::query. The
// chain hash is computed here (audit_chain.hpp), not in SQL, so SQLite and
// PostgreSQL agree byte for byte.
#include "store/audit_chain.hpp"
#include "store/row_fields.hpp"
#include "store/store.hpp"

namespace mend {

namespace {

const char* kAuditColumns =
    "seq, at_ms, actor, actor_kind, auth_method, remote, action, target, summary, outcome, prev_hash, hash";

AuditRecord read_audit(const SqlRows& r, size_t i) {
  AuditRecord a;
  read_row(r, i, a.seq, a.at_ms, a.actor, a.actor_kind, a.auth_method, a.remote, a.action, a.target, a.summary,
           a.outcome, a.prev_hash, a.hash);
  return a;
}

}  // namespace

Result<AuditHead> StoreTx::audit_head() {
  MEND_ASSIGN_OR_RETURN(SqlRows r, query("SELECT last_seq, last_hash, pruned_seq, pruned_hash FROM audit_head "
                                         "WHERE id = 1",
                                         {}));
  if (r.empty()) return make_error(ErrorCode::internal, "the audit_head row is missing");
  return AuditHead{r.i64(0, 0), r.text(0, 1), r.i64(0, 2), r.text(0, 3)};
}

Result<AuditRecord> StoreTx::append_audit(AuditRecord a) {
  // FOR UPDATE: the head row is the chain's lock on PostgreSQL (dropped on
  // SQLite, whose one writer already serialises appends).
  MEND_ASSIGN_OR_RETURN(SqlRows head, query("SELECT last_seq, last_hash FROM audit_head WHERE id = 1 FOR UPDATE", {}));
  if (head.empty()) return make_error(ErrorCode::internal, "the audit_head row is missing");
  a.seq = head.i64(0, 0) + 1;
  a.prev_hash = head.text(0, 1);
  a.hash = audit_record_hash(a);
  MEND_TRY(query("INSERT INTO audit_log(seq, at_ms, actor, actor_kind, auth_method, remote, action, target, summary, "
                 "outcome, prev_hash, hash) VALUES ($1::bigint, $2::bigint, $3::text, $4::text, $5::text, $6::text, "
                 "$7::text, $8::text, $9::text, $10::text, $11::text, $12::text)",
                 {a.seq, a.at_ms, a.actor, a.actor_kind, a.auth_method, a.remote, a.action, a.target, a.summary,
                  a.outcome, a.prev_hash, a.hash}));
  MEND_TRY(query("UPDATE audit_head SET last_seq = $1::bigint, last_hash = $2::text WHERE id = 1", {a.seq, a.hash}));
  return a;
}

Result<std::vector<AuditRecord>> StoreTx::list_audit(const AuditQuery& q) {
  std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit_log WHERE 1 = 1";
  std::vector<SqlValue> params;
  auto param = [&](SqlValue value, const char* type) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size()) + "::" + type;
  };
  if (!q.actor.empty()) sql += " AND actor = " + param(q.actor, "text");
  if (!q.action.empty()) {
    if (q.action.back() == '.')
      sql += " AND substr(action, 1, " + std::to_string(q.action.size()) + ") = " + param(q.action, "text");
    else
      sql += " AND action = " + param(q.action, "text");
  }
  if (!q.target.empty()) sql += " AND target = " + param(q.target, "text");
  if (!q.outcome.empty()) sql += " AND outcome = " + param(q.outcome, "text");
  if (q.since_ms > 0) sql += " AND at_ms >= " + param(q.since_ms, "bigint");
  if (q.until_ms > 0) sql += " AND at_ms < " + param(q.until_ms, "bigint");
  if (q.before_seq > 0) sql += " AND seq < " + param(q.before_seq, "bigint");
  if (q.after_seq > 0) sql += " AND seq > " + param(q.after_seq, "bigint");
  sql += q.oldest_first ? " ORDER BY seq ASC" : " ORDER BY seq DESC";
  sql += " LIMIT " + param(int64_t{q.limit > 0 ? q.limit : 100}, "bigint");
  MEND_ASSIGN_OR_RETURN(SqlRows r, query(sql, params));
  std::vector<AuditRecord> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(read_audit(r, i));
  return out;
}

Result<int64_t> StoreTx::prune_audit_before(int64_t before_ms) {
  MEND_ASSIGN_OR_RETURN(SqlRows head, query("SELECT last_seq FROM audit_head WHERE id = 1 FOR UPDATE", {}));
  if (head.empty()) return make_error(ErrorCode::internal, "the audit_head row is missing");
  const int64_t last = head.i64(0, 0);
  // The newest record to remove, never the chain's head.
  MEND_ASSIGN_OR_RETURN(SqlRows cut, query("SELECT seq, hash FROM audit_log WHERE at_ms < $1::bigint AND seq < "
                                           "$2::bigint ORDER BY seq DESC LIMIT 1",
                                           {before_ms, last}));
  if (cut.empty()) return int64_t{0};
  const int64_t cut_seq = cut.i64(0, 0);
  MEND_ASSIGN_OR_RETURN(SqlRows gone, query("DELETE FROM audit_log WHERE seq <= $1::bigint", {cut_seq}));
  MEND_TRY(query("UPDATE audit_head SET pruned_seq = $1::bigint, pruned_hash = $2::text WHERE id = 1",
                 {cut_seq, cut.text(0, 1)}));
  return gone.affected;
}

}  // namespace mend
