// The hosts of a task: status and output per (task, host).
#include <string>
#include <unordered_set>
#include <vector>

#include "store/host_errors.hpp"
#include "store/postgres/pg_tx.hpp"

namespace mend::pg {

Result<HostRun> read_host(const Rows& r, int i) {
  HostRun run;
  run.task_id = r.i64(i, 0);
  run.seq = r.i32(i, 1);
  run.host = r.text(i, 2);
  auto status = parse_host_status(r.text(i, 3));
  if (!status) {
    return make_error(ErrorCode::internal, "host " + run.host + " of task " +
                                               std::to_string(run.task_id) +
                                               " has unknown status '" + r.text(i, 3) + "'");
  }
  run.status = *status;
  run.stdout_text = r.text(i, 4);
  run.stderr_text = r.text(i, 5);
  run.dispatch_id = r.i64(i, 6);
  run.dispatched_ms = r.i64(i, 7);
  run.updated_ms = r.i64(i, 8);
  return run;
}

Result<std::vector<HostRun>> PgTx::task_hosts(int64_t task_id) {
  MEND_TRY(lock_task(task_id));
  static const std::string sql = "SELECT " + std::string(kHostColumns) +
                                 " FROM task_hosts h WHERE h.task_id = $1 ORDER BY h.seq";
  Params p;
  p.add(task_id);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p));
  std::vector<HostRun> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) {
    MEND_ASSIGN_OR_RETURN(HostRun run, read_host(rows, i));
    out.push_back(std::move(run));
  }
  return out;
}

Result<std::optional<HostRun>> PgTx::find_host(int64_t task_id, std::string_view host) {
  MEND_TRY(lock_task(task_id));
  static const std::string sql = "SELECT " + std::string(kHostColumns) +
                                 " FROM task_hosts h WHERE h.task_id = $1 AND h.host = $2";
  Params p;
  p.add(task_id).add(host);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p));
  if (rows.empty()) return std::optional<HostRun>();
  MEND_ASSIGN_OR_RETURN(HostRun run, read_host(rows, 0));
  return std::optional<HostRun>(std::move(run));
}

Result<void> PgTx::update_host(const HostRun& run) {
  MEND_TRY(lock_task(run.task_id));
  Params p;
  p.add(to_string(run.status)).add(run.stdout_text).add(run.stderr_text);
  p.add(run.dispatch_id).add(run.dispatched_ms).add(run.updated_ms);
  p.add(run.task_id).add(run.host);
  MEND_ASSIGN_OR_RETURN(Rows rows,
                        conn_.exec("UPDATE task_hosts SET status = $1, stdout = $2, stderr = $3, "
                                   "dispatch_id = $4, dispatched_ms = $5, updated_ms = $6 "
                                   "WHERE task_id = $7 AND host = $8",
                                   p));
  if (rows.affected() == 0) return no_host_in_task(run.task_id, run.host);
  return ok();
}

namespace {

std::unordered_set<std::string> first_column(const Rows& rows) {
  std::unordered_set<std::string> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) out.insert(rows.text(i, 0));
  return out;
}

}  // namespace

Result<void> PgTx::set_host_statuses(int64_t task_id, const std::vector<std::string>& hosts, HostStatus status,
                                     int64_t now_ms) {
  if (hosts.empty()) return ok();
  MEND_TRY(lock_task(task_id));
  Params p;
  p.add(task_id).add_array(hosts).add(to_string(status)).add(now_ms);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("UPDATE task_hosts SET status = $3, updated_ms = $4 "
                                              "WHERE task_id = $1 AND host = ANY($2::text[]) RETURNING host",
                                              p));
  return all_hosts_written(task_id, hosts, first_column(rows));
}

Result<void> PgTx::kill_hosts(int64_t task_id, const std::vector<std::string>& hosts, int64_t now_ms) {
  if (hosts.empty()) return ok();
  MEND_TRY(lock_task(task_id));
  // The host rows and their current dispatches in one statement. The task
  // lock covers the dispatches: they are this task's.
  static const std::string sql =
      "WITH killing AS (UPDATE task_hosts SET status = 'killing', updated_ms = $3 "
      "WHERE task_id = $1 AND host = ANY($2::text[]) RETURNING host, dispatch_id), "
      "marked AS (UPDATE dispatches d SET kill_requested = 1 FROM killing k "
      "WHERE k.dispatch_id <> 0 AND d.id = k.dispatch_id) "
      "SELECT host FROM killing";
  Params p;
  p.add(task_id).add_array(hosts).add(now_ms);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p));
  return all_hosts_written(task_id, hosts, first_column(rows));
}

Result<bool> PgTx::update_host_output(int64_t task_id, std::string_view host, int64_t dispatch_id,
                                      std::string_view stdout_text, std::string_view stderr_text,
                                      int64_t now_ms) {
  // 0 means "never dispatched": no output can belong to it.
  if (dispatch_id <= 0) return false;
  MEND_TRY(lock_task(task_id));
  // The dispatch_id condition drops output from a superseded attempt (after a
  // redo) in the same statement that writes.
  Params p;
  p.add(stdout_text).add(stderr_text).add(now_ms).add(task_id).add(host).add(dispatch_id);
  MEND_ASSIGN_OR_RETURN(
      Rows rows, conn_.exec("UPDATE task_hosts SET stdout = $1, stderr = $2, updated_ms = $3 "
                            "WHERE task_id = $4 AND host = $5 AND dispatch_id = $6",
                            p));
  return rows.affected() > 0;
}

}  // namespace mend::pg
