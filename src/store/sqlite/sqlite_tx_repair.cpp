// Invariant checks for the repair loop. Each query finds the rows that break
// one invariant; the engine decides the repair. They read only indexed paths
// (unfinished tasks, open dispatches, busy hosts) so they stay cheap to run
// every few seconds on a large database.
#include <string>

#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace mend::sqlite {

namespace {

// The status lists come from store/host_states.hpp, as the engine's rules do.
const std::string kBusy = sql_status_list(is_busy);
const std::string kUnfinished = sql_status_list(is_unfinished);
const std::string kKeepsDispatchOpen = sql_status_list(keeps_dispatch_open);

}  // namespace

Result<std::vector<int64_t>> SqliteTx::tasks_without_action() {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("SELECT t.id FROM tasks t LEFT JOIN task_actions a ON a.task_id = t.id "
                                               "WHERE t.done = 0 AND a.task_id IS NULL ORDER BY t.id"));
  return read_all(st, [](const Statement& row) { return row.i64(0); });
}

Result<std::vector<HostRun>> SqliteTx::busy_hosts_without_open_dispatch() {
  MEND_ASSIGN_OR_RETURN(
      auto st,
      conn_.prepare("SELECT h.task_id, h.seq, h.host, h.status, h.stdout, h.stderr, h.dispatch_id, "
                    "h.dispatched_ms, h.updated_ms, h.exit_code FROM task_hosts h "
                    "LEFT JOIN dispatches d ON d.id = h.dispatch_id "
                    "WHERE h.status IN " + kBusy + " AND (d.id IS NULL OR d.finished_ms != 0) "
                    "ORDER BY h.task_id, h.seq"));
  return read_all(st, read_host);
}

Result<std::vector<Dispatch>> SqliteTx::open_dispatches_without_busy_host() {
  MEND_ASSIGN_OR_RETURN(
      auto st,
      conn_.prepare("SELECT d.id, d.task_id, d.host, d.attempt, d.created_ms, d.started_ms, d.finished_ms, "
                    "d.result, d.kill_requested FROM dispatches d "
                    "LEFT JOIN task_hosts h ON h.task_id = d.task_id AND h.host = d.host "
                    "WHERE d.finished_ms = 0 AND (h.task_id IS NULL OR h.dispatch_id != d.id OR "
                    "h.status NOT IN " + kKeepsDispatchOpen + ") ORDER BY d.id"));
  return read_all(st, read_dispatch);
}

Result<std::vector<std::pair<int64_t, bool>>> SqliteTx::tasks_with_wrong_done_flag() {
  std::vector<std::pair<int64_t, bool>> out;
  {
    MEND_ASSIGN_OR_RETURN(
        auto st, conn_.prepare("SELECT t.id FROM tasks t WHERE t.done = 0 AND NOT EXISTS ("
                               "SELECT 1 FROM task_hosts h WHERE h.task_id = t.id "
                               "AND h.status IN " + kUnfinished + ") ORDER BY t.id"));
    while (true) {
      MEND_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      out.emplace_back(st.i64(0), true);
    }
  }
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("SELECT DISTINCT h.task_id FROM task_hosts h JOIN tasks t ON t.id = h.task_id "
                                               "WHERE h.status IN " + kUnfinished + " AND t.done = 1 "
                                               "ORDER BY h.task_id"));
  while (true) {
    MEND_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.emplace_back(st.i64(0), false);
  }
  return out;
}

Result<void> SqliteTx::restore_dispatch(const Dispatch& d) {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("INSERT INTO dispatches(id, task_id, host, attempt, created_ms, started_ms, "
                                               "finished_ms, result, kill_requested) VALUES (?, ?, ?, ?, ?, ?, 0, '', ?)"));
  return st.bind(d.id)
      .bind(d.task_id)
      .bind(d.host)
      .bind(int64_t{d.attempt})
      .bind(d.created_ms)
      .bind(d.started_ms)
      .bind(int64_t{d.kill_requested})
      .run();
}

Result<void> SqliteTx::restore_host_for_dispatch(const Dispatch& d, int64_t now_ms) {
  MEND_ASSIGN_OR_RETURN(
      auto st, conn_.prepare("INSERT INTO task_hosts(task_id, seq, host, status, stdout, stderr, dispatch_id, "
                             "dispatched_ms, updated_ms) SELECT ?, COALESCE(MAX(seq), -1) + 1, ?, ?, '', '', ?, ?, ? "
                             "FROM task_hosts WHERE task_id = ?"));
  return st.bind(d.task_id)
      .bind(d.host)
      .bind(d.kill_requested ? "killing" : "running")
      .bind(d.id)
      .bind(d.created_ms)
      .bind(now_ms)
      .bind(d.task_id)
      .run();
}

}  // namespace mend::sqlite
