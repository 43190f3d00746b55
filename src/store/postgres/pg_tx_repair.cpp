// Invariant checks for the repair loop (see store.hpp). Each query finds the
// rows that break one invariant; the engine decides the repair.
#include <string>

#include "store/postgres/pg_tx.hpp"
#include "store/row_fields.hpp"

namespace mend::pg {

namespace {

// The status lists come from store/host_states.hpp, as the engine's rules do.
const std::string kBusy = sql_status_list(is_busy);
const std::string kUnfinished = sql_status_list(is_unfinished);
const std::string kKeepsDispatchOpen = sql_status_list(keeps_dispatch_open);

}  // namespace

Result<std::vector<int64_t>> PgTx::tasks_without_action() {
  MEND_ASSIGN_OR_RETURN(
      Rows rows, conn_.exec("SELECT t.id FROM tasks t LEFT JOIN task_actions a ON a.task_id = t.id "
                            "WHERE t.done = 0 AND a.task_id IS NULL ORDER BY t.id"));
  std::vector<int64_t> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.i64(i, 0));
  return out;
}

Result<std::vector<HostRun>> PgTx::busy_hosts_without_open_dispatch() {
  static const std::string sql =
      "SELECT " + std::string(kHostColumns) +
      " FROM task_hosts h LEFT JOIN dispatches d ON d.id = h.dispatch_id "
      "WHERE h.status IN " + kBusy + " AND (d.id IS NULL OR d.finished_ms <> 0) "
      "ORDER BY h.task_id, h.seq";
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql));
  std::vector<HostRun> out;
  for (int i = 0; i < rows.size(); ++i) {
    MEND_ASSIGN_OR_RETURN(HostRun run, read_host(rows, i));
    out.push_back(std::move(run));
  }
  return out;
}

Result<std::vector<Dispatch>> PgTx::open_dispatches_without_busy_host() {
  static const std::string sql =
      "SELECT " + std::string(kDispatchColumns) +
      " FROM dispatches d LEFT JOIN task_hosts h ON h.task_id = d.task_id AND h.host = d.host "
      "WHERE d.finished_ms = 0 AND (h.task_id IS NULL OR h.dispatch_id <> d.id OR "
      "h.status NOT IN " + kKeepsDispatchOpen + ") ORDER BY d.id";
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql));
  return each_row(rows, read_dispatch);
}

Result<std::vector<std::pair<int64_t, bool>>> PgTx::tasks_with_wrong_done_flag() {
  std::vector<std::pair<int64_t, bool>> out;
  {
    MEND_ASSIGN_OR_RETURN(
        Rows rows, conn_.exec("SELECT t.id FROM tasks t WHERE t.done = 0 AND NOT EXISTS ("
                              "SELECT 1 FROM task_hosts h WHERE h.task_id = t.id "
                              "AND h.status IN " + kUnfinished + ") ORDER BY t.id"));
    for (int i = 0; i < rows.size(); ++i) out.emplace_back(rows.i64(i, 0), true);
  }
  MEND_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.exec("SELECT DISTINCT h.task_id FROM task_hosts h JOIN tasks t ON t.id = h.task_id "
                 "WHERE h.status IN " + kUnfinished + " AND t.done = 1 "
                 "ORDER BY h.task_id"));
  for (int i = 0; i < rows.size(); ++i) out.emplace_back(rows.i64(i, 0), false);
  return out;
}

Result<void> PgTx::restore_dispatch(const Dispatch& d) {
  MEND_TRY(lock_task(d.task_id));
  Params p;
  p.add(d.id).add(d.task_id).add(d.host).add(int64_t{d.attempt}).add(d.created_ms);
  p.add(d.started_ms).add(int64_t{d.kill_requested});
  MEND_TRY(
      conn_.exec("INSERT INTO dispatches(id, task_id, host, attempt, created_ms, started_ms, "
                 "finished_ms, result, kill_requested) "
                 "VALUES ($1, $2, $3, $4, $5, $6, 0, '', $7)",
                 p));
  // An explicit id does not move the sequence; keep it past every id in use
  // so a new dispatch can never collide with (or reuse) a restored one.
  Params id;
  id.add(d.id);
  MEND_TRY(
      conn_.exec("SELECT setval(pg_get_serial_sequence('dispatches', 'id'), "
                 "GREATEST($1::bigint, (SELECT last_value FROM dispatches_id_seq)))",
                 id));
  return ok();
}

Result<void> PgTx::restore_host_for_dispatch(const Dispatch& d, int64_t now_ms) {
  MEND_TRY(lock_task(d.task_id));
  Params p;
  p.add(d.task_id).add(d.host).add(d.kill_requested ? "killing" : "running");
  p.add(d.id).add(d.created_ms).add(now_ms);
  MEND_TRY(conn_.exec(
      "INSERT INTO task_hosts(task_id, seq, host, status, stdout, stderr, dispatch_id, "
      "dispatched_ms, updated_ms) SELECT $1::bigint, COALESCE(MAX(seq), -1) + 1, $2::text, "
      "$3::text, '', '', $4::bigint, $5::bigint, $6::bigint FROM task_hosts WHERE task_id = $1",
      p));
  return ok();
}

}  // namespace mend::pg
