// Dispatches: one attempt to run (task, host), and what agents must run.
#include <algorithm>
#include <iterator>
#include <string>

#include "store/host_errors.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_tx.hpp"
#include "store/task_env.hpp"

namespace mend::sqlite {

namespace {

constexpr std::string_view kDispatchColumns =
    "d.id, d.task_id, d.host, d.attempt, d.created_ms, d.started_ms, d.finished_ms, d.result, "
    "d.kill_requested";

// The open-dispatch join: the dispatch plus what the agent needs to run it.
// `finished_ms = 0` is a literal so SQLite can use the partial index.
const std::string kOpenSelect = "SELECT " + std::string(kDispatchColumns) +
                                ", t.script, t.args, t.account, t.stdin, t.timeout, t.env "
                                "FROM dispatches d JOIN tasks t ON t.id = d.task_id "
                                "WHERE d.finished_ms = 0";

}  // namespace

Dispatch read_dispatch(const Statement& st) {
  Dispatch d;
  d.id = st.i64(0);
  d.task_id = st.i64(1);
  d.host = st.text(2);
  d.attempt = st.i32(3);
  d.created_ms = st.i64(4);
  d.started_ms = st.i64(5);
  d.finished_ms = st.i64(6);
  d.result = st.text(7);
  d.kill_requested = st.i64(8) != 0;
  return d;
}

namespace {

OpenDispatch read_open(const Statement& st) {
  OpenDispatch open;
  open.dispatch = read_dispatch(st);
  open.script = st.text(9);
  open.args = st.text(10);
  open.account = st.text(11);
  open.stdin_text = st.text(12);
  open.timeout_s = st.i32(13);
  // Written only by encode_task_env; a damaged value costs the script its
  // extra environment, not the dispatch.
  if (auto env = decode_task_env(st.text(14)); env.ok()) open.env = std::move(*env);
  return open;
}

Error no_dispatch(int64_t id) {
  return make_error(ErrorCode::not_found, "no dispatch " + std::to_string(id));
}

}  // namespace

Result<bool> SqliteTx::dispatch_exists(int64_t id) {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("SELECT 1 FROM dispatches WHERE id = ?"));
  return st.bind(id).step();
}

Result<std::vector<Dispatch>> SqliteTx::start_dispatches(int64_t task_id, const std::vector<std::string>& hosts,
                                                         int64_t now_ms) {
  // SQLite runs in this process: a statement per host costs no round trip.
  // The attempt number is counted first and the insert is a plain one: an
  // INSERT ... SELECT COUNT(*) ... RETURNING did both in one statement but
  // cost a third more (RETURNING collects its rows in a temporary table).
  // An unknown (task, host) fails the foreign key.
  MEND_ASSIGN_OR_RETURN(auto count,
                        conn_.prepare("SELECT COUNT(*) FROM dispatches WHERE task_id = ? AND host = ?"));
  MEND_ASSIGN_OR_RETURN(auto insert, conn_.prepare("INSERT INTO dispatches(task_id, host, attempt, created_ms) "
                                                   "VALUES (?, ?, ?, ?)"));
  MEND_ASSIGN_OR_RETURN(auto make_current,
                        conn_.prepare("UPDATE task_hosts SET status = ?, stdout = ?, stderr = ?, "
                                      "dispatch_id = ?, dispatched_ms = ?, updated_ms = ?, exit_code = NULL "
                                      "WHERE task_id = ? AND host = ?"));
  std::vector<Dispatch> started;
  started.reserve(hosts.size());
  for (const std::string& host : hosts) {
    insert.reset();
    make_current.reset();
    MEND_ASSIGN_OR_RETURN(bool counted, count.bind(task_id).bind(host).step());
    if (!counted) return make_error(ErrorCode::internal, "counting a host's dispatches returned no row");
    Dispatch d;
    d.attempt = static_cast<int>(count.i64(0) + 1);
    count.reset();
    auto inserted = insert.bind(task_id).bind(host).bind(int64_t{d.attempt}).bind(now_ms).run();
    if (!inserted.ok()) {
      if (inserted.error().code == ErrorCode::not_found) return no_host_in_task(task_id, host);
      return inserted.error();
    }
    d.id = conn_.last_insert_rowid();
    d.task_id = task_id;
    d.host = host;
    d.created_ms = now_ms;
    make_current.bind(to_string(HostStatus::running)).bind(std::string_view()).bind(std::string_view());
    MEND_TRY(make_current.bind(d.id).bind(now_ms).bind(now_ms).bind(task_id).bind(host).run());
    if (conn_.changes() == 0) return no_host_in_task(task_id, host);
    started.push_back(std::move(d));
  }
  return started;
}

// SQLite runs in this process: a statement per row costs no round trip, so
// the many-row calls below loop over one cached statement.

Result<std::vector<Dispatch>> SqliteTx::find_dispatches(const std::vector<int64_t>& ids) {
  static const std::string sql =
      "SELECT " + std::string(kDispatchColumns) + " FROM dispatches d WHERE d.id = ?";
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare(sql));
  std::vector<Dispatch> out;
  for (int64_t id : ids) {
    st.reset();
    MEND_ASSIGN_OR_RETURN(bool row, st.bind(id).step());
    if (row) out.push_back(read_dispatch(st));
  }
  std::sort(out.begin(), out.end(), [](const Dispatch& a, const Dispatch& b) { return a.id < b.id; });
  return out;
}

Result<void> SqliteTx::mark_dispatches_started(const std::vector<int64_t>& ids, int64_t now_ms) {
  // The first report wins: an agent re-sending "started" must not move it.
  MEND_ASSIGN_OR_RETURN(auto st,
                        conn_.prepare("UPDATE dispatches SET started_ms = CASE WHEN started_ms = 0 "
                                      "THEN ? ELSE started_ms END WHERE id = ?"));
  for (int64_t id : ids) {
    st.reset();
    MEND_TRY(st.bind(now_ms).bind(id).run());
    if (conn_.changes() == 0) return no_dispatch(id);
  }
  return ok();
}

Result<void> SqliteTx::close_dispatches(const std::vector<DispatchClose>& closes, int64_t now_ms) {
  // finished_ms = 0 means open, so a zero close time would reopen it.
  if (now_ms <= 0) return make_error(ErrorCode::invalid_input, "close time must be positive");
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("UPDATE dispatches SET finished_ms = ?, result = ?, "
                                               "started_ms = CASE WHEN ? = 1 AND started_ms = 0 THEN ? "
                                               "ELSE started_ms END WHERE id = ? AND finished_ms = 0"));
  for (const DispatchClose& c : closes) {
    st.reset();
    MEND_TRY(st.bind(now_ms).bind(c.result).bind(int64_t{c.started ? 1 : 0}).bind(now_ms).bind(c.id).run());
    if (conn_.changes() > 0) continue;
    MEND_ASSIGN_OR_RETURN(bool exists, dispatch_exists(c.id));
    if (!exists) return no_dispatch(c.id);
    return make_error(ErrorCode::conflict, "dispatch " + std::to_string(c.id) + " is already closed");
  }
  return ok();
}

Result<std::vector<OpenDispatch>> SqliteTx::open_dispatches_for_host(std::string_view host) {
  static const std::string sql = kOpenSelect + " AND d.host = ? ORDER BY d.id";
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare(sql));
  st.bind(host);
  return read_all(st, read_open);
}

Result<std::vector<Dispatch>> SqliteTx::open_dispatches_for_hosts(const std::vector<std::string>& hosts) {
  static const std::string sql =
      "SELECT " + std::string(kDispatchColumns) + " FROM dispatches d WHERE d.finished_ms = 0 AND d.host = ?";
  std::vector<Dispatch> out;
  for (const std::string& host : hosts) {
    MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare(sql));
    st.bind(host);
    MEND_ASSIGN_OR_RETURN(std::vector<Dispatch> open, read_all(st, read_dispatch));
    std::move(open.begin(), open.end(), std::back_inserter(out));
  }
  std::sort(out.begin(), out.end(), [](const Dispatch& a, const Dispatch& b) { return a.id < b.id; });
  return out;
}

Result<std::optional<OpenDispatch>> SqliteTx::open_dispatch(int64_t id) {
  static const std::string sql = kOpenSelect + " AND d.id = ?";
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare(sql));
  st.bind(id);
  return read_first(st, read_open);
}

}  // namespace mend::sqlite
