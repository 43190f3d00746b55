// The hosts of a task: status and output per (task, host).
#include <string>

#include "store/host_errors.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace mend::sqlite {

namespace {

constexpr std::string_view kHostSelect =
    "SELECT task_id, seq, host, status, stdout, stderr, dispatch_id, dispatched_ms, updated_ms, exit_code "
    "FROM task_hosts";

}  // namespace

Result<HostRun> read_host(const Statement& st) {
  HostRun run;
  run.task_id = st.i64(0);
  run.seq = st.i32(1);
  run.host = st.text(2);
  auto status = parse_host_status(st.text(3));
  if (!status) {
    return make_error(ErrorCode::internal, "host " + run.host + " of task " +
                                               std::to_string(run.task_id) +
                                               " has unknown status '" + st.text(3) + "'");
  }
  run.status = *status;
  run.stdout_text = st.text(4);
  run.stderr_text = st.text(5);
  run.dispatch_id = st.i64(6);
  run.dispatched_ms = st.i64(7);
  run.updated_ms = st.i64(8);
  if (!st.is_null(9)) run.exit_code = st.i32(9);
  return run;
}

namespace {

// Every row `st` (bound, not yet stepped) returns.
Result<std::vector<HostRun>> read_hosts(Statement& st) { return read_all(st, read_host); }

}  // namespace

Result<std::vector<HostRun>> SqliteTx::task_hosts(int64_t task_id) {
  static const std::string sql = std::string(kHostSelect) + " WHERE task_id = ? ORDER BY seq";
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare(sql));
  st.bind(task_id);
  return read_hosts(st);
}

Result<std::vector<std::pair<HostStatus, int64_t>>> SqliteTx::host_status_counts(int64_t task_id) {
  MEND_ASSIGN_OR_RETURN(auto st,
                        conn_.prepare("SELECT status, COUNT(*) FROM task_hosts WHERE task_id = ? GROUP BY status"));
  st.bind(task_id);
  std::vector<std::pair<HostStatus, int64_t>> out;
  for (;;) {
    MEND_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    auto status = parse_host_status(st.text(0));
    if (!status) return unknown_host_status(task_id, st.text(0));
    out.emplace_back(*status, st.i64(1));
  }
}

Result<std::vector<HostRun>> SqliteTx::hosts_in_status(int64_t task_id, HostStatus status, int64_t limit) {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("SELECT task_id, seq, host, status, '', '', dispatch_id, "
                                               "dispatched_ms, updated_ms, exit_code FROM task_hosts "
                                               "WHERE task_id = ? AND status = ? ORDER BY seq LIMIT ?"));
  st.bind(task_id).bind(to_string(status)).bind(limit > 0 ? limit : int64_t{-1});  // -1: no limit
  return read_hosts(st);
}

Result<std::vector<HostRun>> SqliteTx::find_hosts(const std::vector<HostKey>& keys) {
  static const std::string sql = std::string(kHostSelect) + " WHERE task_id = ? AND host = ?";
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare(sql));
  std::vector<HostRun> out;
  for (const HostKey& k : keys) {
    st.reset();
    MEND_ASSIGN_OR_RETURN(bool row, st.bind(k.task_id).bind(k.host).step());
    if (!row) continue;
    MEND_ASSIGN_OR_RETURN(HostRun run, read_host(st));
    out.push_back(std::move(run));
  }
  return out;
}

Result<void> SqliteTx::update_hosts(const std::vector<HostRun>& runs) {
  // In this process a statement per host costs no round trip.
  MEND_ASSIGN_OR_RETURN(auto st,
                        conn_.prepare("UPDATE task_hosts SET status = ?, stdout = ?, stderr = ?, "
                                      "dispatch_id = ?, dispatched_ms = ?, updated_ms = ?, exit_code = NULLIF(?, -1) "
                                      "WHERE task_id = ? AND host = ?"));
  for (const HostRun& run : runs) {
    st.reset();
    st.bind(to_string(run.status)).bind(run.stdout_text).bind(run.stderr_text);
    st.bind(run.dispatch_id).bind(run.dispatched_ms).bind(run.updated_ms);
    st.bind(int64_t{run.exit_code.value_or(-1)});  // -1: none (no exit status is negative)
    MEND_TRY(st.bind(run.task_id).bind(run.host).run());
    if (conn_.changes() == 0) return no_host_in_task(run.task_id, run.host);
  }
  return ok();
}

Result<void> SqliteTx::set_host_statuses(int64_t task_id, const std::vector<std::string>& hosts, HostStatus status,
                                         int64_t now_ms) {
  // In this process a statement per host costs no round trip.
  MEND_ASSIGN_OR_RETURN(
      auto st, conn_.prepare("UPDATE task_hosts SET status = ?, updated_ms = ? WHERE task_id = ? AND host = ?"));
  for (const std::string& host : hosts) {
    st.reset();
    MEND_TRY(st.bind(to_string(status)).bind(now_ms).bind(task_id).bind(host).run());
    if (conn_.changes() == 0) return no_host_in_task(task_id, host);
  }
  return ok();
}

Result<void> SqliteTx::kill_hosts(int64_t task_id, const std::vector<std::string>& hosts, int64_t now_ms) {
  MEND_ASSIGN_OR_RETURN(auto killing, conn_.prepare("UPDATE task_hosts SET status = ?, updated_ms = ? "
                                                    "WHERE task_id = ? AND host = ? RETURNING dispatch_id"));
  MEND_ASSIGN_OR_RETURN(auto mark, conn_.prepare("UPDATE dispatches SET kill_requested = 1 WHERE id = ?"));
  for (const std::string& host : hosts) {
    killing.reset();
    killing.bind(to_string(HostStatus::killing)).bind(now_ms).bind(task_id).bind(host);
    MEND_ASSIGN_OR_RETURN(bool row, killing.step());
    if (!row) return no_host_in_task(task_id, host);
    int64_t dispatch_id = killing.i64(0);
    MEND_TRY(killing.run());
    if (dispatch_id == 0) continue;
    mark.reset();
    MEND_TRY(mark.bind(dispatch_id).run());
  }
  return ok();
}

Result<bool> SqliteTx::update_host_output(int64_t task_id, std::string_view host,
                                          int64_t dispatch_id, std::string_view stdout_text,
                                          std::string_view stderr_text, int64_t now_ms) {
  // 0 means "never dispatched": no output can belong to it.
  if (dispatch_id <= 0) return false;
  // The dispatch_id condition drops output from a superseded attempt (after a
  // redo) in the same statement that writes, so no check-then-write race.
  MEND_ASSIGN_OR_RETURN(
      auto st, conn_.prepare("UPDATE task_hosts SET stdout = ?, stderr = ?, updated_ms = ? "
                             "WHERE task_id = ? AND host = ? AND dispatch_id = ?"));
  st.bind(stdout_text).bind(stderr_text).bind(now_ms);
  MEND_TRY(st.bind(task_id).bind(host).bind(dispatch_id).run());
  return conn_.changes() > 0;
}

}  // namespace mend::sqlite
