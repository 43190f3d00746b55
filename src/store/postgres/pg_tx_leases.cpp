// Task ownership leases and idempotency keys.
#include <string>

#include "store/postgres/pg_tx.hpp"
#include "store/row_fields.hpp"

namespace mend::pg {

namespace {

std::vector<TaskLease> read_leases(const Rows& r) {
  std::vector<TaskLease> out;
  for (int i = 0; i < r.size(); ++i) {
    TaskLease l;
    read_row(r, i, l.task_id, l.owner, l.epoch, l.expires_ms);
    out.push_back(std::move(l));
  }
  return out;
}

// The leases of the tasks `where` picks (a condition, then any ORDER BY and LIMIT).
Result<std::vector<TaskLease>> select_leases(Connection& conn, std::string_view where, const Params& p) {
  MEND_ASSIGN_OR_RETURN(
      Rows rows, conn.exec("SELECT id, owner, epoch, lease_expires_ms FROM tasks WHERE " + std::string(where), p));
  return read_leases(rows);
}

}  // namespace

Result<std::optional<TaskLease>> PgTx::task_lease(int64_t task_id) {
  Params p;
  p.add(task_id);
  MEND_ASSIGN_OR_RETURN(auto leases, select_leases(conn_, "id = $1", p));
  return first(std::move(leases));
}

Result<bool> PgTx::take_lease(int64_t task_id, std::string_view owner, int64_t expected_epoch,
                              int64_t expires_ms) {
  // Conditional on the epoch: of two servers racing for one task, one wins.
  // At READ COMMITTED the loser's UPDATE waits for the winner's commit, then
  // re-reads the row, sees the new epoch and changes nothing.
  Params p;
  p.add(owner).add(expires_ms).add(task_id).add(expected_epoch);
  MEND_ASSIGN_OR_RETURN(
      Rows rows, conn_.exec("UPDATE tasks SET owner = $1, epoch = epoch + 1, lease_expires_ms = $2 "
                            "WHERE id = $3 AND epoch = $4",
                            p));
  return rows.affected() > 0;
}

Result<int64_t> PgTx::renew_leases(std::string_view owner, int64_t expires_ms) {
  Params p;
  p.add(expires_ms).add(owner);
  MEND_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.exec("UPDATE tasks SET lease_expires_ms = $1 WHERE owner = $2 AND done = 0", p));
  return rows.affected();
}

Result<std::vector<TaskLease>> PgTx::claimable_tasks(int64_t now_ms, int limit) {
  Params p;
  p.add(now_ms).add(int64_t{limit});
  return select_leases(conn_, "done = 0 AND (owner = '' OR lease_expires_ms < $1) ORDER BY id LIMIT $2", p);
}

Result<std::vector<TaskLease>> PgTx::owned_tasks(std::string_view owner) {
  Params p;
  p.add(owner);
  return select_leases(conn_, "done = 0 AND owner = $1 ORDER BY id", p);
}

Result<std::optional<IdempotentReply>> PgTx::find_idempotency_key(std::string_view key) {
  Params p;
  p.add(key);
  MEND_ASSIGN_OR_RETURN(Rows rows,
                        conn_.exec("SELECT key, fingerprint, status, body, created_ms FROM "
                                   "idempotency_keys WHERE key = $1",
                                   p));
  return first_row(rows, [](const Rows& r, int i) {
    IdempotentReply reply;
    read_row(r, i, reply.key, reply.fingerprint, reply.status, reply.body, reply.created_ms);
    return reply;
  });
}

Result<void> PgTx::insert_idempotency_key(const IdempotentReply& reply) {
  // ON CONFLICT: a taken key is an answer (conflict), not an SQL error that
  // would abort the caller's transaction.
  Params p;
  p.add(reply.key).add(reply.fingerprint).add(int64_t{reply.status}).add(reply.body);
  p.add(reply.created_ms);
  MEND_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.exec("INSERT INTO idempotency_keys(key, fingerprint, status, body, created_ms) "
                 "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING",
                 p));
  if (rows.affected() == 0)
    return make_error(ErrorCode::conflict, "idempotency key '" + reply.key + "' is taken");
  return ok();
}

Result<int64_t> PgTx::delete_idempotency_keys_before(int64_t before_ms) {
  Params p;
  p.add(before_ms);
  MEND_ASSIGN_OR_RETURN(Rows rows,
                        conn_.exec("DELETE FROM idempotency_keys WHERE created_ms < $1", p));
  return rows.affected();
}

}  // namespace mend::pg
