// Tasks and their action rows.
#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "store/postgres/pg_tx.hpp"
#include "store/task_env.hpp"
#include "store/task_list_sql.hpp"

namespace mend::pg {

namespace {

// The filter shared by list_tasks' count and page, so `total` always counts
// exactly the rows the pages walk through. ILIKE: SQLite's LIKE ignores ASCII
// case (as MySQL did for Ibex), PostgreSQL's LIKE does not.
const std::string kTaskFilter =
    " WHERE t.title ILIKE $1 ESCAPE '\\' AND ($2 = '' OR t.creator = $3) AND t.created_ms >= $4"
    " AND ($5::bigint = 0 OR t.created_ms < $5::bigint) AND ($6::bigint < 0 OR t.done = $6::bigint)"
    " AND ($7::text = '' OR EXISTS (SELECT 1 FROM task_actions x WHERE x.task_id = t.id AND x.action = $7::text))";

Result<Task> read_task(const Rows& r, int i) {
  Task t;
  t.id = r.i64(i, 0);
  t.spec.title = r.text(i, 1);
  t.spec.account = r.text(i, 2);
  t.spec.batch = r.i32(i, 3);
  t.spec.tolerance = r.i32(i, 4);
  t.spec.timeout_s = r.i32(i, 5);
  t.spec.pause = r.text(i, 6);
  t.spec.script = r.text(i, 7);
  t.spec.args = r.text(i, 8);
  t.spec.stdin_text = r.text(i, 9);
  t.spec.creator = r.text(i, 10);
  t.spec.alert_triggered = r.i64(i, 11) != 0;
  t.created_ms = r.i64(i, 12);
  t.done = r.i64(i, 13) != 0;
  // The Ibex failure this project exists for: a task without its action row.
  // Insert writes both in one transaction, so this is damage, not a state.
  if (r.is_null(i, 14))
    return make_error(ErrorCode::internal, "task " + std::to_string(t.id) + " has no action row");
  auto action = parse_task_action(r.text(i, 14));
  if (!action)
    return make_error(ErrorCode::internal, "task " + std::to_string(t.id) +
                                               " has unknown action '" + r.text(i, 14) + "'");
  t.action = *action;
  t.spec.action = *action;
  t.action_updated_ms = r.i64(i, 15);
  MEND_ASSIGN_OR_RETURN(t.spec.env, decode_task_env(r.text(i, 16)));
  return t;
}

// The ids of `ids` this transaction has not locked yet.
std::vector<int64_t> not_locked(const std::vector<int64_t>& ids, const std::unordered_set<int64_t>& locked) {
  std::vector<int64_t> out;
  for (int64_t id : ids)
    if (locked.count(id) == 0) out.push_back(id);
  return out;
}

}  // namespace

Result<void> PgTx::lock_task(int64_t task_id) { return lock_tasks({task_id}); }

Result<void> PgTx::lock_tasks(const std::vector<int64_t>& task_ids) {
  if (!write_) return ok();
  std::vector<int64_t> wanted = not_locked(task_ids, locked_tasks_);
  if (wanted.empty()) return ok();
  // In id order, so two servers locking overlapping sets in one statement
  // each cannot deadlock on each other.
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  Params p;
  p.add_array(wanted);
  MEND_TRY(conn_.exec("SELECT 1 FROM tasks WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE", p, Connection::Plan::per_run));
  locked_tasks_.insert(wanted.begin(), wanted.end());
  return ok();
}

Result<void> PgTx::lock_task_of_dispatch(int64_t id) { return lock_tasks_of_dispatches({id}); }

Result<void> PgTx::lock_tasks_of_dispatches(const std::vector<int64_t>& ids) {
  if (!write_) return ok();
  const std::vector<int64_t> wanted = not_locked(ids, locked_dispatches_);
  if (wanted.empty()) return ok();
  // One statement: a dispatch never changes task, so its task_id read
  // unlocked is right, and the tasks are locked in id order as lock_tasks
  // does (ORDER BY sorts below the row locks). Tasks this transaction holds
  // already are left out.
  std::vector<int64_t> held(locked_tasks_.begin(), locked_tasks_.end());
  Params p;
  p.add_array(wanted).add_array(held);
  // The owners are looked up first, by the dispatches' primary key (as a
  // join, the planner may scan the dispatches once per task).
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("WITH owners AS MATERIALIZED (SELECT DISTINCT d.task_id FROM "
                                              "dispatches d WHERE d.id = ANY($1::bigint[])) "
                                              "SELECT t.id FROM owners o JOIN tasks t ON t.id = o.task_id "
                                              "WHERE NOT t.id = ANY($2::bigint[]) ORDER BY t.id FOR UPDATE OF t",
                                              p, Connection::Plan::per_run));
  for (int i = 0; i < rows.size(); ++i) locked_tasks_.insert(rows.i64(i, 0));
  // Unknown ids are remembered too: the statement that follows finds them
  // missing either way.
  locked_dispatches_.insert(wanted.begin(), wanted.end());
  return ok();
}

Result<bool> PgTx::task_exists(int64_t task_id) {
  Params p;
  p.add(task_id);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("SELECT 1 FROM tasks WHERE id = $1", p));
  return !rows.empty();
}

Result<int64_t> PgTx::insert_task(const TaskSpec& spec, int64_t now_ms) {
  int64_t id = 0;
  {
    Params p;
    p.add(spec.title).add(spec.account).add(int64_t{spec.batch}).add(int64_t{spec.tolerance});
    p.add(int64_t{spec.timeout_s}).add(spec.pause).add(spec.script).add(spec.args);
    p.add(spec.stdin_text).add(spec.creator).add(int64_t{spec.alert_triggered}).add(now_ms);
    const std::string env = encode_task_env(spec.env);
    p.add(env);
    MEND_ASSIGN_OR_RETURN(
        Rows rows,
        conn_.exec("INSERT INTO tasks(title, account, batch, tolerance, timeout, pause, script, "
                   "args, stdin, creator, alert_triggered, created_ms, done, env) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13) "
                   "RETURNING id",
                   p));
    MEND_ASSIGN_OR_RETURN(id, returned_id(rows, "tasks"));
  }
  // Nobody else can see the new row before commit: no lock needed.
  locked_tasks_.insert(id);
  {
    Params p;
    p.add(id).add(to_string(spec.action)).add(now_ms);
    MEND_TRY(
        conn_.exec("INSERT INTO task_actions(task_id, action, updated_ms) VALUES ($1, $2, $3)", p));
  }
  if (spec.hosts.empty()) return id;
  // Every host in one statement: a task on 10,000 hosts is one round trip,
  // not 10,000. ORDINALITY numbers them in spec order (from 1).
  Params p;
  p.add(id).add(now_ms).add_array(spec.hosts);
  MEND_TRY(
      conn_.exec("INSERT INTO task_hosts(task_id, seq, host, status, stdout, stderr, dispatch_id, "
                 "dispatched_ms, updated_ms) "
                 "SELECT $1::bigint, h.ord - 1, h.host, 'waiting', '', '', 0, 0, $2::bigint "
                 "FROM unnest($3::text[]) WITH ORDINALITY AS h(host, ord)",
                 p));
  return id;
}

Result<std::optional<Task>> PgTx::find_task(int64_t id) {
  MEND_TRY(lock_task(id));
  static const std::string sql = kTaskSelectSql + " WHERE t.id = $1";
  Params p;
  p.add(id);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p));
  if (rows.empty()) return std::optional<Task>();
  MEND_ASSIGN_OR_RETURN(Task t, read_task(rows, 0));
  return std::optional<Task>(std::move(t));
}

Result<void> PgTx::set_action(int64_t task_id, TaskAction action, int64_t now_ms) {
  MEND_TRY(lock_task(task_id));
  Params p;
  p.add(to_string(action)).add(now_ms).add(task_id);
  {
    MEND_ASSIGN_OR_RETURN(
        Rows rows,
        conn_.exec("UPDATE task_actions SET action = $1, updated_ms = $2 WHERE task_id = $3", p));
    if (rows.affected() > 0) return ok();
  }
  MEND_ASSIGN_OR_RETURN(bool exists, task_exists(task_id));
  if (!exists) return make_error(ErrorCode::not_found, "no task " + std::to_string(task_id));
  // The task lost its action row (an Ibex database, or damage): setting an
  // action is the repair.
  MEND_TRY(
      conn_.exec("INSERT INTO task_actions(task_id, action, updated_ms) VALUES ($3, $1, $2)", p));
  return ok();
}

Result<void> PgTx::set_done(int64_t task_id, bool done) {
  MEND_TRY(lock_task(task_id));
  Params p;
  p.add(int64_t{done}).add(task_id);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("UPDATE tasks SET done = $1 WHERE id = $2", p));
  if (rows.affected() == 0)
    return make_error(ErrorCode::not_found, "no task " + std::to_string(task_id));
  return ok();
}

Result<TaskPage> PgTx::list_tasks(const TaskQuery& q) {
  if (q.limit < 1 || q.page < 1)
    return make_error(ErrorCode::invalid_input, "limit and page must be at least 1");
  const std::string pattern = like_contains(q.title_contains);
  Params p;
  auto [done, action] = task_state_filter(q.state);
  p.add(pattern).add(q.creator).add(q.creator).add(q.created_after_ms);
  p.add(q.created_before_ms).add(done).add(action);
  TaskPage page;
  {
    static const std::string sql = "SELECT COUNT(*) FROM tasks t" + kTaskFilter;
    MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p));
    page.total = rows.empty() ? 0 : rows.i64(0, 0);
  }
  static const std::string sql =
      kTaskSelectSql + kTaskFilter + " AND ($8::bigint = 0 OR t.id < $8::bigint) ORDER BY t.id DESC LIMIT $9 OFFSET $10";
  p.add(q.before_id).add(int64_t{q.limit}).add(int64_t{q.page - 1} * q.limit);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p));
  for (int i = 0; i < rows.size(); ++i) {
    MEND_ASSIGN_OR_RETURN(Task t, read_task(rows, i));
    page.list.push_back(std::move(t));
  }
  return page;
}

Result<std::vector<int64_t>> PgTx::done_ids(const std::vector<int64_t>& ids) {
  std::vector<int64_t> out;
  if (ids.empty()) return out;
  // One statement for the whole list, answered in the order asked.
  Params p;
  p.add_array(ids);
  MEND_ASSIGN_OR_RETURN(
      Rows rows, conn_.exec("SELECT u.id FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, ord) "
                            "JOIN tasks t ON t.id = u.id WHERE t.done <> 0 ORDER BY u.ord",
                            p));
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.i64(i, 0));
  return out;
}

Result<std::vector<int64_t>> PgTx::unfinished_task_ids() {
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("SELECT id FROM tasks WHERE done = 0 ORDER BY id"));
  std::vector<int64_t> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.i64(i, 0));
  return out;
}

Result<StoreCounts> PgTx::counts() {
  StoreCounts counts;
  {
    // "no_action" makes a task that lost its action row visible in /metrics.
    // COLLATE "C": byte order, as SQLite sorts, whatever the database locale.
    MEND_ASSIGN_OR_RETURN(
        Rows rows,
        conn_.exec("SELECT state, n FROM (SELECT CASE WHEN t.done <> 0 THEN 'done' ELSE "
                   "COALESCE(a.action, 'no_action') END AS state, COUNT(*) AS n FROM tasks t "
                   "LEFT JOIN task_actions a ON a.task_id = t.id GROUP BY 1) s "
                   "ORDER BY state COLLATE \"C\""));
    for (int i = 0; i < rows.size(); ++i)
      counts.tasks_by_state.emplace_back(rows.text(i, 0), rows.i64(i, 1));
  }
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("SELECT status, COUNT(*) FROM task_hosts "
                                              "GROUP BY status ORDER BY status COLLATE \"C\""));
  for (int i = 0; i < rows.size(); ++i)
    counts.hosts_by_status.emplace_back(rows.text(i, 0), rows.i64(i, 1));
  return counts;
}

}  // namespace mend::pg
