// Dispatches: one attempt to run (task, host), and what agents must run.
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/host_errors.hpp"
#include "store/postgres/pg_tx.hpp"
#include "store/row_fields.hpp"
#include "store/task_env.hpp"

namespace mend::pg {

namespace {

// The open-dispatch join: the dispatch plus what the agent needs to run it.
// `finished_ms = 0` is a literal so the partial index applies.
const std::string kOpenSelect = "SELECT " + std::string(kDispatchColumns) +
                                ", t.script, t.args, t.account, t.stdin, t.timeout, t.env "
                                "FROM dispatches d JOIN tasks t ON t.id = d.task_id "
                                "WHERE d.finished_ms = 0";

OpenDispatch read_open(const Rows& r, int i) {
  OpenDispatch open;
  open.dispatch = read_dispatch(r, i);
  open.script = r.text(i, 9);
  open.args = r.text(i, 10);
  open.account = r.text(i, 11);
  open.stdin_text = r.text(i, 12);
  open.timeout_s = r.i32(i, 13);
  // Written only by encode_task_env; a damaged value costs the script its
  // extra environment, not the dispatch (as on SQLite).
  if (auto env = decode_task_env(r.text(i, 14)); env.ok()) open.env = std::move(*env);
  return open;
}

Error no_dispatch(int64_t id) {
  return make_error(ErrorCode::not_found, "no dispatch " + std::to_string(id));
}

}  // namespace

Dispatch read_dispatch(const Rows& r, int i) {
  Dispatch d;
  read_row(r, i, d.id, d.task_id, d.host, d.attempt, d.created_ms, d.started_ms, d.finished_ms, d.result,
           d.kill_requested);
  return d;
}

Result<bool> PgTx::dispatch_exists(int64_t id) {
  Params p;
  p.add(id);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("SELECT 1 FROM dispatches WHERE id = $1", p));
  return !rows.empty();
}

Result<std::vector<Dispatch>> PgTx::start_dispatches(int64_t task_id, const std::vector<std::string>& hosts,
                                                     int64_t now_ms) {
  if (hosts.empty()) return std::vector<Dispatch>();
  MEND_TRY(lock_task(task_id));
  // Every host in one statement, one round trip: the insert numbers each
  // attempt and the update makes it the host's current dispatch. Joining the
  // host rows makes an unknown (task, host) insert nothing rather than fail
  // the foreign key, which would abort the transaction; the missing row is
  // reported below. The task lock keeps two writers from numbering the same
  // attempt. ORDER BY hands out ids in the order of `hosts`. A host row
  // that was never dispatched (dispatch_id 0: every writer sets it with the
  // dispatch, nothing clears it) is on its first attempt without counting:
  // a new 1,000-host task saves 1,000 index probes.
  static const std::string sql =
      "WITH wanted AS (SELECT w.host, w.ord FROM unnest($2::text[]) WITH ORDINALITY AS w(host, ord)), "
      "inserted AS (INSERT INTO dispatches(task_id, host, attempt, created_ms, started_ms, finished_ms, "
      "result, kill_requested) "
      "SELECT h.task_id, h.host, CASE WHEN h.dispatch_id = 0 THEN 1 ELSE 1 + (SELECT COUNT(*) FROM dispatches d "
      "WHERE d.task_id = h.task_id AND d.host = h.host) END, $3::bigint, 0, 0, '', 0 "
      "FROM wanted w JOIN task_hosts h ON h.task_id = $1::bigint AND h.host = w.host "
      "ORDER BY w.ord RETURNING id, host, attempt), "
      "made_current AS (UPDATE task_hosts h SET status = 'running', stdout = '', stderr = '', "
      "dispatch_id = i.id, dispatched_ms = $3::bigint, updated_ms = $3::bigint, exit_code = NULL "
      "FROM inserted i WHERE h.task_id = $1::bigint AND h.host = i.host) "
      "SELECT id, host, attempt FROM inserted";
  Params p;
  p.add(task_id).add_array(hosts).add(now_ms);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p));
  std::unordered_map<std::string, Dispatch> by_host;
  by_host.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) {
    Dispatch d;
    d.id = rows.i64(i, 0);
    d.host = rows.text(i, 1);
    d.attempt = rows.i32(i, 2);
    d.task_id = task_id;
    d.created_ms = now_ms;
    locked_dispatches_.insert(d.id);
    by_host.emplace(d.host, std::move(d));
  }
  std::vector<Dispatch> started;
  started.reserve(hosts.size());
  for (const std::string& host : hosts) {
    auto found = by_host.find(host);
    if (found == by_host.end()) {
      return no_host_in_task(task_id, host);
    }
    started.push_back(found->second);
  }
  return started;
}

Result<std::vector<Dispatch>> PgTx::find_dispatches(const std::vector<int64_t>& ids) {
  if (ids.empty()) return std::vector<Dispatch>();
  // In a write transaction the tasks are locked first, so the rows read are
  // the ones no other writer can change until commit: two round trips when
  // a task is new to this transaction, one when all are held already.
  MEND_TRY(lock_tasks_of_dispatches(ids));
  static const std::string sql =
      "SELECT " + std::string(kDispatchColumns) + " FROM dispatches d WHERE d.id = ANY($1::bigint[]) ORDER BY d.id";
  Params p;
  p.add_array(ids);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p, Connection::Plan::per_run));
  return each_row(rows, read_dispatch);
}

namespace {

// The first of `wanted` missing from `written` (0 when none is).
int64_t first_missing(const std::vector<int64_t>& wanted, const Rows& written) {
  std::unordered_set<int64_t> got;
  for (int i = 0; i < written.size(); ++i) got.insert(written.i64(i, 0));
  for (int64_t id : wanted)
    if (got.count(id) == 0) return id;
  return 0;
}

}  // namespace

Result<void> PgTx::mark_dispatches_started(const std::vector<int64_t>& ids, int64_t now_ms) {
  if (ids.empty()) return ok();
  MEND_TRY(lock_tasks_of_dispatches(ids));
  // The first report wins: an agent re-sending "started" must not move it.
  Params p;
  p.add(now_ms).add_array(ids);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("UPDATE dispatches SET started_ms = CASE WHEN started_ms = 0 "
                                              "THEN $1::bigint ELSE started_ms END "
                                              "WHERE id = ANY($2::bigint[]) RETURNING id",
                                              p, Connection::Plan::per_run));
  if (int64_t missing = first_missing(ids, rows); missing != 0) return no_dispatch(missing);
  return ok();
}

Result<void> PgTx::close_dispatches(const std::vector<DispatchClose>& closes, int64_t now_ms) {
  // finished_ms = 0 means open, so a zero close time would reopen it.
  if (now_ms <= 0) return make_error(ErrorCode::invalid_input, "close time must be positive");
  if (closes.empty()) return ok();
  std::vector<int64_t> ids;
  std::vector<std::string> results;
  std::vector<int64_t> started;
  for (const DispatchClose& c : closes) {
    ids.push_back(c.id);
    results.push_back(c.result);
    started.push_back(c.started ? 1 : 0);
  }
  MEND_TRY(lock_tasks_of_dispatches(ids));
  Params p;
  p.add(now_ms).add_array(ids).add_array(results).add_array(started);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("UPDATE dispatches d SET finished_ms = $1, result = u.result, "
                                              "started_ms = CASE WHEN u.started = 1 AND d.started_ms = 0 "
                                              "THEN $1 ELSE d.started_ms END "
                                              "FROM unnest($2::bigint[], $3::text[], $4::bigint[]) "
                                              "AS u(id, result, started) "
                                              "WHERE d.id = u.id AND d.finished_ms = 0 RETURNING d.id",
                                              p, Connection::Plan::per_run));
  int64_t missing = first_missing(ids, rows);
  if (missing == 0) return ok();
  MEND_ASSIGN_OR_RETURN(bool exists, dispatch_exists(missing));
  if (!exists) return no_dispatch(missing);
  return make_error(ErrorCode::conflict, "dispatch " + std::to_string(missing) + " is already closed");
}

Result<std::vector<OpenDispatch>> PgTx::open_dispatches_for_host(std::string_view host) {
  static const std::string sql = kOpenSelect + " AND d.host = $1 ORDER BY d.id";
  Params p;
  p.add(host);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p));
  return each_row(rows, read_open);
}

Result<std::vector<Dispatch>> PgTx::open_dispatches_for_hosts(const std::vector<std::string>& hosts) {
  static const std::string sql = "SELECT " + std::string(kDispatchColumns) +
                                 " FROM dispatches d WHERE d.finished_ms = 0 AND d.host = ANY($1::text[]) "
                                 "ORDER BY d.id";
  Params p;
  p.add_array(hosts);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p));
  return each_row(rows, read_dispatch);
}

Result<void> PgTx::notify_peers(const std::vector<std::string>& hosts) {
  if (!write_) return make_error(ErrorCode::internal, "notify_peers in a read-only transaction");
  notify_.insert(hosts.begin(), hosts.end());
  return ok();
}

Result<std::optional<OpenDispatch>> PgTx::open_dispatch(int64_t id) {
  MEND_TRY(lock_task_of_dispatch(id));
  static const std::string sql = kOpenSelect + " AND d.id = $1";
  Params p;
  p.add(id);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p));
  if (rows.empty()) return std::optional<OpenDispatch>();
  return std::optional<OpenDispatch>(read_open(rows, 0));
}

}  // namespace mend::pg
