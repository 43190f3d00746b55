// The hosts of a task: status and output per (task, host).
#include <limits>
#include <set>
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
  if (!r.is_null(i, 9)) run.exit_code = r.i32(i, 9);
  return run;
}

namespace {

Result<std::vector<HostRun>> read_hosts(const Rows& rows) {
  std::vector<HostRun> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) {
    MEND_ASSIGN_OR_RETURN(HostRun run, read_host(rows, i));
    out.push_back(std::move(run));
  }
  return out;
}

}  // namespace

Result<std::vector<HostRun>> PgTx::task_hosts(int64_t task_id) {
  MEND_TRY(lock_task(task_id));
  static const std::string sql = "SELECT " + std::string(kHostColumns) +
                                 " FROM task_hosts h WHERE h.task_id = $1 ORDER BY h.seq";
  Params p;
  p.add(task_id);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p));
  return read_hosts(rows);
}

namespace {

// Binary outputs travel inside a text[] parameter as hex (decode() turns them
// back into bytea), so no byte needs escaping in the array literal.
std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

// Outputs per UPDATE statement: a batch of 2,000 results with 128 KiB of
// output each would otherwise be one 512 MiB parameter.
constexpr size_t kUpdateChunkBytes = 4 << 20;

}  // namespace

Result<std::vector<std::pair<HostStatus, int64_t>>> PgTx::host_status_counts(int64_t task_id) {
  MEND_TRY(lock_task(task_id));
  Params p;
  p.add(task_id);
  MEND_ASSIGN_OR_RETURN(Rows rows,
                        conn_.exec("SELECT status, COUNT(*) FROM task_hosts WHERE task_id = $1 GROUP BY status", p));
  std::vector<std::pair<HostStatus, int64_t>> out;
  for (int i = 0; i < rows.size(); ++i) {
    auto status = parse_host_status(rows.text(i, 0));
    if (!status) return unknown_host_status(task_id, rows.text(i, 0));
    out.emplace_back(*status, rows.i64(i, 1));
  }
  return out;
}

Result<std::vector<HostRun>> PgTx::hosts_in_status(int64_t task_id, HostStatus status, int64_t limit) {
  MEND_TRY(lock_task(task_id));
  Params p;
  p.add(task_id).add(to_string(status)).add(limit > 0 ? limit : std::numeric_limits<int64_t>::max());
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("SELECT h.task_id, h.seq, h.host, h.status, ''::bytea, ''::bytea, "
                                              "h.dispatch_id, h.dispatched_ms, h.updated_ms, h.exit_code "
                                              "FROM task_hosts h "
                                              "WHERE h.task_id = $1 AND h.status = $2 ORDER BY h.seq LIMIT $3",
                                              p));
  return read_hosts(rows);
}

Result<std::vector<HostRun>> PgTx::find_hosts(const std::vector<HostKey>& keys) {
  if (keys.empty()) return std::vector<HostRun>();
  std::vector<int64_t> task_ids;
  std::vector<std::string> hosts;
  task_ids.reserve(keys.size());
  hosts.reserve(keys.size());
  for (const HostKey& k : keys) {
    task_ids.push_back(k.task_id);
    hosts.push_back(k.host);
  }
  MEND_TRY(lock_tasks(task_ids));
  static const std::string sql = "SELECT " + std::string(kHostColumns) +
                                 " FROM unnest($1::bigint[], $2::text[]) AS k(task_id, host)"
                                 " JOIN task_hosts h ON h.task_id = k.task_id AND h.host = k.host";
  Params p;
  p.add_array(task_ids).add_array(hosts);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p, Connection::Plan::per_run));
  return read_hosts(rows);
}

Result<void> PgTx::update_hosts(const std::vector<HostRun>& runs) {
  std::vector<int64_t> all_tasks;
  all_tasks.reserve(runs.size());
  for (const HostRun& run : runs) all_tasks.push_back(run.task_id);
  MEND_TRY(lock_tasks(all_tasks));
  static const std::string sql =
      "UPDATE task_hosts h SET status = u.status, stdout = decode(u.out, 'hex'), stderr = decode(u.err, 'hex'), "
      "dispatch_id = u.dispatch_id, dispatched_ms = u.dispatched_ms, updated_ms = u.updated_ms, "
      "exit_code = NULLIF(u.exit_code, -1) "
      "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], "
      "$8::bigint[], $9::bigint[]) AS u(task_id, host, status, out, err, dispatch_id, dispatched_ms, updated_ms, "
      "exit_code) "
      "WHERE h.task_id = u.task_id AND h.host = u.host RETURNING h.task_id, h.host";
  for (size_t begin = 0; begin < runs.size();) {
    std::vector<int64_t> task_ids, dispatch_ids, dispatched, updated, exit_codes;
    std::vector<std::string> hosts, statuses, outs, errs;
    size_t bytes = 0;
    size_t end = begin;
    for (; end < runs.size() && (end == begin || bytes < kUpdateChunkBytes); ++end) {
      const HostRun& run = runs[end];
      task_ids.push_back(run.task_id);
      hosts.push_back(run.host);
      statuses.emplace_back(to_string(run.status));
      outs.push_back(to_hex(run.stdout_text));
      errs.push_back(to_hex(run.stderr_text));
      dispatch_ids.push_back(run.dispatch_id);
      dispatched.push_back(run.dispatched_ms);
      updated.push_back(run.updated_ms);
      exit_codes.push_back(run.exit_code.value_or(-1));  // -1: none (no exit status is negative)
      bytes += run.stdout_text.size() + run.stderr_text.size();
    }
    Params p;
    p.add_array(task_ids).add_array(hosts).add_array(statuses).add_array(outs).add_array(errs);
    p.add_array(dispatch_ids).add_array(dispatched).add_array(updated).add_array(exit_codes);
    MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p, Connection::Plan::per_run));
    std::set<std::pair<int64_t, std::string>> written;
    for (int i = 0; i < rows.size(); ++i) written.emplace(rows.i64(i, 0), rows.text(i, 1));
    for (size_t i = begin; i < end; ++i) {
      if (written.count({runs[i].task_id, runs[i].host}) == 0) return no_host_in_task(runs[i].task_id, runs[i].host);
    }
    begin = end;
  }
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
