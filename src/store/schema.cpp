#include "store/schema.hpp"

#include "common/strings.hpp"

namespace mend {

namespace {

// Flags are INTEGER 0/1 rather than BOOLEAN so the same queries (`done = 0`)
// work in both dialects. Timestamps are milliseconds since the epoch.
const std::vector<Migration> kMigrations = {
    {1,
     "tasks, actions, hosts, dispatches",
     {
         R"(CREATE TABLE tasks (
  id {{id_pk}},
  title TEXT NOT NULL,
  account TEXT NOT NULL,
  batch INTEGER NOT NULL DEFAULT 0,
  tolerance INTEGER NOT NULL DEFAULT 0,
  timeout INTEGER NOT NULL DEFAULT 30,
  pause TEXT NOT NULL DEFAULT '',
  script TEXT NOT NULL,
  args TEXT NOT NULL DEFAULT '',
  stdin TEXT NOT NULL DEFAULT '',
  creator TEXT NOT NULL DEFAULT '',
  alert_triggered INTEGER NOT NULL DEFAULT 0,
  created_ms BIGINT NOT NULL,
  done INTEGER NOT NULL DEFAULT 0
))",
         // A separate row, as in Ibex, so existing tooling that reads it keeps
         // working; Mend writes it in the same transaction as the task.
         R"(CREATE TABLE task_actions (
  task_id BIGINT PRIMARY KEY REFERENCES tasks(id),
  action TEXT NOT NULL,
  updated_ms BIGINT NOT NULL
))",
         R"(CREATE TABLE task_hosts (
  task_id BIGINT NOT NULL REFERENCES tasks(id),
  seq INTEGER NOT NULL,
  host TEXT NOT NULL,
  status TEXT NOT NULL,
  stdout TEXT NOT NULL DEFAULT '',
  stderr TEXT NOT NULL DEFAULT '',
  dispatch_id BIGINT NOT NULL DEFAULT 0,
  dispatched_ms BIGINT NOT NULL DEFAULT 0,
  updated_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (task_id, host)
))",
         // The foreign key on (task_id, host) makes a dispatch for a host that
         // is not in the task impossible rather than a thing to repair.
         R"(CREATE TABLE dispatches (
  id {{id_pk}},
  task_id BIGINT NOT NULL,
  host TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  created_ms BIGINT NOT NULL,
  started_ms BIGINT NOT NULL DEFAULT 0,
  finished_ms BIGINT NOT NULL DEFAULT 0,
  result TEXT NOT NULL DEFAULT '',
  kill_requested INTEGER NOT NULL DEFAULT 0,
  FOREIGN KEY (task_id, host) REFERENCES task_hosts(task_id, host)
))",
         // Partial indexes stay small: only unfinished tasks and open
         // dispatches, which are what the scheduler and agent connects read.
         "CREATE INDEX tasks_unfinished ON tasks(id) WHERE done = 0",
         "CREATE INDEX tasks_by_created ON tasks(created_ms)",
         "CREATE INDEX tasks_by_creator ON tasks(creator, created_ms)",
         "CREATE UNIQUE INDEX task_hosts_by_seq ON task_hosts(task_id, seq)",
         "CREATE INDEX task_hosts_by_status ON task_hosts(status)",
         "CREATE INDEX dispatches_by_task_host ON dispatches(task_id, host)",
         "CREATE INDEX dispatches_open_by_host ON dispatches(host) WHERE finished_ms = 0",
     }},
};

}  // namespace

const std::vector<Migration>& schema_migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations.back().version; }

std::string_view schema_migrations_table_sql() {
  return "CREATE TABLE IF NOT EXISTS schema_migrations ("
         "version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)";
}

std::string render_statement(SqlDialect dialect, std::string_view statement) {
  // AUTOINCREMENT (SQLite) and a sequence (PostgreSQL) both guarantee an id is
  // never handed out twice, even after deletes: a late agent result naming an
  // old dispatch id must never match a newer dispatch.
  std::string_view id_pk =
      dialect == SqlDialect::sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY";
  return replace_all(statement, "{{id_pk}}", id_pk);
}

}  // namespace mend
