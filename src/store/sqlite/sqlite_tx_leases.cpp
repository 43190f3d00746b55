// Task ownership leases and idempotency keys.
#include <string>

#include "store/row_fields.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace mend::sqlite {

namespace {
TaskLease read_lease(const Statement& st) {
  TaskLease l;
  read_columns(st, l.task_id, l.owner, l.epoch, l.expires_ms);
  return l;
}
}  // namespace

Result<std::optional<TaskLease>> SqliteTx::task_lease(int64_t task_id) {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("SELECT id, owner, epoch, lease_expires_ms FROM tasks WHERE id = ?"));
  st.bind(task_id);
  return read_first(st, read_lease);
}

Result<bool> SqliteTx::take_lease(int64_t task_id, std::string_view owner, int64_t expected_epoch,
                                  int64_t expires_ms) {
  // Conditional on the epoch: of two servers racing for one task, one wins.
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("UPDATE tasks SET owner = ?, epoch = epoch + 1, lease_expires_ms = ? "
                                               "WHERE id = ? AND epoch = ?"));
  MEND_TRY(st.bind(owner).bind(expires_ms).bind(task_id).bind(expected_epoch).run());
  return conn_.changes() > 0;
}

Result<int64_t> SqliteTx::renew_leases(std::string_view owner, int64_t expires_ms) {
  MEND_ASSIGN_OR_RETURN(auto st,
                        conn_.prepare("UPDATE tasks SET lease_expires_ms = ? WHERE owner = ? AND done = 0"));
  MEND_TRY(st.bind(expires_ms).bind(owner).run());
  return conn_.changes();
}

Result<std::vector<TaskLease>> SqliteTx::claimable_tasks(int64_t now_ms, int limit) {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("SELECT id, owner, epoch, lease_expires_ms FROM tasks "
                                               "WHERE done = 0 AND (owner = '' OR lease_expires_ms < ?) "
                                               "ORDER BY id LIMIT ?"));
  st.bind(now_ms).bind(int64_t{limit});
  return read_all(st, read_lease);
}

Result<std::vector<TaskLease>> SqliteTx::owned_tasks(std::string_view owner) {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("SELECT id, owner, epoch, lease_expires_ms FROM tasks "
                                               "WHERE done = 0 AND owner = ? ORDER BY id"));
  st.bind(owner);
  return read_all(st, read_lease);
}

Result<std::optional<IdempotentReply>> SqliteTx::find_idempotency_key(std::string_view key) {
  MEND_ASSIGN_OR_RETURN(
      auto st, conn_.prepare("SELECT key, fingerprint, status, body, created_ms FROM idempotency_keys WHERE key = ?"));
  st.bind(key);
  return read_first(st, [](const Statement& row) {
    IdempotentReply r;
    read_columns(row, r.key, r.fingerprint, r.status, r.body, r.created_ms);
    return r;
  });
}

Result<void> SqliteTx::insert_idempotency_key(const IdempotentReply& reply) {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("INSERT INTO idempotency_keys(key, fingerprint, status, body, created_ms) "
                                               "VALUES (?, ?, ?, ?, ?)"));
  return st.bind(reply.key).bind(reply.fingerprint).bind(int64_t{reply.status}).bind(reply.body).bind(reply.created_ms).run();
}

Result<int64_t> SqliteTx::delete_idempotency_keys_before(int64_t before_ms) {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("DELETE FROM idempotency_keys WHERE created_ms < ?"));
  MEND_TRY(st.bind(before_ms).run());
  return conn_.changes();
}

}  // namespace mend::sqlite
