// Tasks and their action rows.
#include <string>

#include "store/sqlite/sqlite_tx.hpp"
#include "store/task_env.hpp"
#include "store/task_list_sql.hpp"

namespace mend::sqlite {

namespace {

// The filter shared by list_tasks' count and page, so `total` always counts
// exactly the rows the pages walk through.
const std::string kTaskFilter =
    " WHERE t.title LIKE ? ESCAPE '\\' AND (? = '' OR t.creator = ?) AND t.created_ms >= ?"
    " AND (? = 0 OR t.created_ms < ?) AND (? < 0 OR t.done = ?)"
    " AND (? = '' OR EXISTS (SELECT 1 FROM task_actions x WHERE x.task_id = t.id AND x.action = ?))";

void bind_filter(Statement& st, const TaskQuery& q, const std::string& pattern) {
  auto [done, action] = task_state_filter(q.state);
  st.bind(pattern).bind(q.creator).bind(q.creator).bind(q.created_after_ms);
  st.bind(q.created_before_ms).bind(q.created_before_ms).bind(done).bind(done).bind(action).bind(action);
}

Result<Task> read_task(const Statement& st) {
  Task t;
  t.id = st.i64(0);
  t.spec.title = st.text(1);
  t.spec.account = st.text(2);
  t.spec.batch = st.i32(3);
  t.spec.tolerance = st.i32(4);
  t.spec.timeout_s = st.i32(5);
  t.spec.pause = st.text(6);
  t.spec.script = st.text(7);
  t.spec.args = st.text(8);
  t.spec.stdin_text = st.text(9);
  t.spec.creator = st.text(10);
  t.spec.alert_triggered = st.i64(11) != 0;
  t.created_ms = st.i64(12);
  t.done = st.i64(13) != 0;
  // The Ibex failure this project exists for: a task without its action row.
  // Insert writes both in one transaction, so this is damage, not a state.
  if (st.is_null(14))
    return make_error(ErrorCode::internal, "task " + std::to_string(t.id) + " has no action row");
  auto action = parse_task_action(st.text(14));
  if (!action)
    return make_error(ErrorCode::internal,
                      "task " + std::to_string(t.id) + " has unknown action '" + st.text(14) + "'");
  t.action = *action;
  t.spec.action = *action;
  t.action_updated_ms = st.i64(15);
  MEND_ASSIGN_OR_RETURN(t.spec.env, decode_task_env(st.text(16)));
  return t;
}

}  // namespace

Result<bool> SqliteTx::task_exists(int64_t task_id) {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("SELECT 1 FROM tasks WHERE id = ?"));
  return st.bind(task_id).step();
}

Result<int64_t> SqliteTx::insert_task(const TaskSpec& spec, int64_t now_ms) {
  int64_t id = 0;
  {
    MEND_ASSIGN_OR_RETURN(
        auto st,
        conn_.prepare("INSERT INTO tasks(title, account, batch, tolerance, timeout, pause, "
                      "script, args, stdin, creator, alert_triggered, created_ms, done, env) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) RETURNING id"));
    st.bind(spec.title).bind(spec.account).bind(int64_t{spec.batch});
    st.bind(int64_t{spec.tolerance}).bind(int64_t{spec.timeout_s}).bind(spec.pause);
    st.bind(spec.script).bind(spec.args).bind(spec.stdin_text).bind(spec.creator);
    st.bind(int64_t{spec.alert_triggered}).bind(now_ms).bind(encode_task_env(spec.env));
    MEND_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return make_error(ErrorCode::internal, "insert into tasks returned no id");
    id = st.i64(0);
    MEND_TRY(st.run());  // finish the statement so RETURNING's insert completes
  }
  {
    MEND_ASSIGN_OR_RETURN(
        auto st,
        conn_.prepare("INSERT INTO task_actions(task_id, action, updated_ms) VALUES (?, ?, ?)"));
    MEND_TRY(st.bind(id).bind(to_string(spec.action)).bind(now_ms).run());
  }
  MEND_ASSIGN_OR_RETURN(
      auto st, conn_.prepare("INSERT INTO task_hosts(task_id, seq, host, status, stdout, stderr, "
                             "dispatch_id, dispatched_ms, updated_ms) "
                             "VALUES (?, ?, ?, ?, '', '', 0, 0, ?)"));
  for (size_t seq = 0; seq < spec.hosts.size(); ++seq) {
    // One cached statement reused per host: reset keeps it prepared.
    MEND_TRY(st.bind(id)
                 .bind(static_cast<int64_t>(seq))
                 .bind(spec.hosts[seq])
                 .bind(to_string(HostStatus::waiting))
                 .bind(now_ms)
                 .run());
    st.reset();
  }
  return id;
}

Result<std::optional<Task>> SqliteTx::find_task(int64_t id) {
  static const std::string sql = kTaskSelectSql + " WHERE t.id = ?";
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare(sql));
  MEND_ASSIGN_OR_RETURN(bool row, st.bind(id).step());
  if (!row) return std::optional<Task>();
  MEND_ASSIGN_OR_RETURN(Task t, read_task(st));
  return std::optional<Task>(std::move(t));
}

Result<void> SqliteTx::set_action(int64_t task_id, TaskAction action, int64_t now_ms) {
  {
    MEND_ASSIGN_OR_RETURN(
        auto st,
        conn_.prepare("UPDATE task_actions SET action = ?, updated_ms = ? WHERE task_id = ?"));
    MEND_TRY(st.bind(to_string(action)).bind(now_ms).bind(task_id).run());
    if (conn_.changes() > 0) return ok();
  }
  MEND_ASSIGN_OR_RETURN(bool exists, task_exists(task_id));
  if (!exists) return make_error(ErrorCode::not_found, "no task " + std::to_string(task_id));
  // The task lost its action row (an Ibex database, or damage): setting an
  // action is the repair.
  MEND_ASSIGN_OR_RETURN(
      auto st,
      conn_.prepare("INSERT INTO task_actions(task_id, action, updated_ms) VALUES (?, ?, ?)"));
  return st.bind(task_id).bind(to_string(action)).bind(now_ms).run();
}

Result<void> SqliteTx::set_done(int64_t task_id, bool done) {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("UPDATE tasks SET done = ? WHERE id = ?"));
  MEND_TRY(st.bind(int64_t{done}).bind(task_id).run());
  if (conn_.changes() == 0)
    return make_error(ErrorCode::not_found, "no task " + std::to_string(task_id));
  return ok();
}

Result<TaskPage> SqliteTx::list_tasks(const TaskQuery& q) {
  if (q.limit < 1 || q.page < 1)
    return make_error(ErrorCode::invalid_input, "limit and page must be at least 1");
  const std::string pattern = like_contains(q.title_contains);
  TaskPage page;
  {
    static const std::string sql = "SELECT COUNT(*) FROM tasks t" + kTaskFilter;
    MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare(sql));
    bind_filter(st, q, pattern);
    MEND_ASSIGN_OR_RETURN(bool row, st.step());
    page.total = row ? st.i64(0) : 0;
  }
  static const std::string sql =
      kTaskSelectSql + kTaskFilter + " AND (? = 0 OR t.id < ?) ORDER BY t.id DESC LIMIT ? OFFSET ?";
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare(sql));
  bind_filter(st, q, pattern);
  st.bind(q.before_id).bind(q.before_id);
  st.bind(int64_t{q.limit}).bind(int64_t{q.page - 1} * q.limit);
  for (;;) {
    MEND_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    MEND_ASSIGN_OR_RETURN(Task t, read_task(st));
    page.list.push_back(std::move(t));
  }
  return page;
}

Result<std::vector<int64_t>> SqliteTx::done_ids(const std::vector<int64_t>& ids) {
  // One cached lookup per id rather than an IN list of varying length, which
  // would be a new statement text (and cache entry) for every length.
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("SELECT done FROM tasks WHERE id = ?"));
  std::vector<int64_t> out;
  for (int64_t id : ids) {
    MEND_ASSIGN_OR_RETURN(bool row, st.bind(id).step());
    if (row && st.i64(0) != 0) out.push_back(id);
    st.reset();
  }
  return out;
}

Result<std::vector<int64_t>> SqliteTx::unfinished_task_ids() {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("SELECT id FROM tasks WHERE done = 0 ORDER BY id"));
  std::vector<int64_t> out;
  for (;;) {
    MEND_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    out.push_back(st.i64(0));
  }
}

Result<StoreCounts> SqliteTx::counts() {
  StoreCounts counts;
  {
    // "no_action" makes a task that lost its action row visible in /metrics.
    MEND_ASSIGN_OR_RETURN(
        auto st, conn_.prepare(
                     "SELECT CASE WHEN t.done <> 0 THEN 'done' ELSE COALESCE(a.action, "
                     "'no_action') END AS state, COUNT(*) FROM tasks t "
                     "LEFT JOIN task_actions a ON a.task_id = t.id GROUP BY state ORDER BY state"));
    for (;;) {
      MEND_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      counts.tasks_by_state.emplace_back(st.text(0), st.i64(1));
    }
  }
  MEND_ASSIGN_OR_RETURN(
      auto st,
      conn_.prepare("SELECT status, COUNT(*) FROM task_hosts GROUP BY status ORDER BY status"));
  for (;;) {
    MEND_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    counts.hosts_by_status.emplace_back(st.text(0), st.i64(1));
  }
  return counts;
}

}  // namespace mend::sqlite
