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
  script {{bytes}} NOT NULL,
  args {{bytes}} NOT NULL DEFAULT '',
  stdin {{bytes}} NOT NULL DEFAULT '',
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
  stdout {{bytes}} NOT NULL DEFAULT '',
  stderr {{bytes}} NOT NULL DEFAULT '',
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
    {2,
     "task leases, idempotency keys",
     {
         // Every unfinished task has one owner server holding a lease until
         // lease_expires_ms; epoch grows by one at every change of owner so a
         // stale owner's conditional writes match nothing.
         "ALTER TABLE tasks ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
         "ALTER TABLE tasks ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0",
         "ALTER TABLE tasks ADD COLUMN lease_expires_ms BIGINT NOT NULL DEFAULT 0",
         "CREATE INDEX tasks_unfinished_by_owner ON tasks(owner, lease_expires_ms) WHERE done = 0",
         // A client that retries a request with the same Idempotency-Key gets
         // the first answer back instead of a second task.
         R"(CREATE TABLE idempotency_keys (
  key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_ms BIGINT NOT NULL
))",
         "CREATE INDEX idempotency_keys_by_created ON idempotency_keys(created_ms)",
     }},
    {3,
     "alert self-healing: task env, alert events, heal records, templates, rules, breakers",
     {
         // The script's extra environment (MEND_ALERT_*), a JSON object.
         "ALTER TABLE tasks ADD COLUMN env TEXT NOT NULL DEFAULT '{}'",
         // Every alert that arrives is kept, whatever was decided about it.
         R"(CREATE TABLE alert_events (
  id {{id_pk}},
  source TEXT NOT NULL,
  status TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  labels TEXT NOT NULL,
  annotations TEXT NOT NULL,
  severity TEXT NOT NULL DEFAULT '',
  trigger_value TEXT NOT NULL DEFAULT '',
  target TEXT NOT NULL DEFAULT '',
  starts_ms BIGINT NOT NULL DEFAULT 0,
  ends_ms BIGINT NOT NULL DEFAULT 0,
  received_ms BIGINT NOT NULL
))",
         "CREATE INDEX alert_events_by_received ON alert_events(received_ms)",
         // One row per decision, written in the transaction of its event and
         // task, so a task never exists without the record that explains it.
         R"(CREATE TABLE heal_records (
  id {{id_pk}},
  event_id BIGINT NOT NULL REFERENCES alert_events(id),
  rule TEXT NOT NULL,
  host TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  decision TEXT NOT NULL,
  reason TEXT NOT NULL,
  task_id BIGINT REFERENCES tasks(id),
  created_ms BIGINT NOT NULL,
  resolved_ms BIGINT,
  resolve_after_ms BIGINT
))",
         // The guardrail reads: the active run of an alert, the last run on a
         // host, the runs of a rule in a window.
         "CREATE INDEX heal_records_by_alert ON heal_records(rule, host, fingerprint, id) WHERE decision = 'ran'",
         "CREATE INDEX heal_records_runs_by_rule ON heal_records(rule, created_ms) WHERE decision = 'ran'",
         "CREATE INDEX heal_records_by_created ON heal_records(created_ms)",
         "CREATE TABLE heal_templates (name TEXT PRIMARY KEY, body TEXT NOT NULL, updated_ms BIGINT NOT NULL)",
         "CREATE TABLE heal_rules (name TEXT PRIMARY KEY, body TEXT NOT NULL, updated_ms BIGINT NOT NULL)",
         R"(CREATE TABLE heal_breakers (
  rule TEXT PRIMARY KEY,
  open INTEGER NOT NULL DEFAULT 0,
  opened_ms BIGINT NOT NULL DEFAULT 0,
  closed_ms BIGINT NOT NULL DEFAULT 0,
  reason TEXT NOT NULL DEFAULT ''
))",
     }},
    {4,
     "hosts served by native agents",
     {
         // A host name a native (token-authenticated) agent has served is never
         // served over the Ibex protocol, which has no authentication: an Ibex
         // connection reporting that name would get its scripts and secrets.
         // Kept in the database so the rule survives restarts and holds for
         // every server sharing it.
         "CREATE TABLE native_hosts (host TEXT PRIMARY KEY, first_ms BIGINT NOT NULL)",
     }},
    {5,
     "dispatches an agent ran, by host",
     {
         // The known-host check of every alert (host_has_run_dispatches) scanned
         // the whole dispatches table: 35 ms an alert with 100,000 dispatches.
         // The predicate is the query's own, word for word, so both SQLite and
         // PostgreSQL use the index.
         "CREATE INDEX dispatches_run_by_host ON dispatches(host) "
         "WHERE started_ms > 0 OR result IN ('success', 'failed')",
     }},
    {6,
     "users, sessions, API tokens, audit log",
     {
         R"(CREATE TABLE users (
  id {{id_pk}},
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL DEFAULT 'user',
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL DEFAULT '',
  disabled INTEGER NOT NULL DEFAULT 0,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
))",
         // Keyed by the SHA-256 of the cookie's secret, never the secret.
         R"(CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  csrf_token TEXT NOT NULL,
  remote TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL,
  last_seen_ms BIGINT NOT NULL
))",
         "CREATE INDEX sessions_by_user ON sessions(user_id)",
         R"(CREATE TABLE api_tokens (
  id {{id_pk}},
  user_id BIGINT NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL DEFAULT 0,
  last_used_ms BIGINT NOT NULL DEFAULT 0,
  revoked_ms BIGINT NOT NULL DEFAULT 0
))",
         // Append-only and hash-chained (store/audit_chain.hpp). seq has no
         // gaps; audit_head is the chain's one-row lock and its anchor after
         // retention removed the oldest records.
         R"(CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  actor_kind TEXT NOT NULL,
  auth_method TEXT NOT NULL,
  remote TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  summary TEXT NOT NULL,
  outcome TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
))",
         "CREATE INDEX audit_log_by_at ON audit_log(at_ms)",
         "CREATE INDEX audit_log_by_actor ON audit_log(actor, seq)",
         R"(CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY,
  last_seq BIGINT NOT NULL,
  last_hash TEXT NOT NULL,
  pruned_seq BIGINT NOT NULL,
  pruned_hash TEXT NOT NULL
))",
         "INSERT INTO audit_head(id, last_seq, last_hash, pruned_seq, pruned_hash) VALUES (1, 0, '', 0, '')",
     }},
    {7,
     "trust: the TLS CA, join tokens, agent certificates",
     {
         // One row (id 1): the first server to start inserts its new CA and
         // every other server on the database uses that one.
         R"(CREATE TABLE tls_ca (
  id INTEGER PRIMARY KEY,
  cert_pem TEXT NOT NULL,
  key_pem TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  created_ms BIGINT NOT NULL
))",
         R"(CREATE TABLE join_tokens (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  host_pattern TEXT NOT NULL,
  max_uses BIGINT NOT NULL,
  uses BIGINT NOT NULL DEFAULT 0,
  expires_ms BIGINT NOT NULL,
  created_ms BIGINT NOT NULL,
  created_by TEXT NOT NULL DEFAULT ''
))",
         // A host enrolls once per token: a second request for the same host
         // with a reusable token is a reuse, not a new host.
         R"(CREATE TABLE join_token_uses (
  token_id TEXT NOT NULL REFERENCES join_tokens(id),
  host TEXT NOT NULL,
  used_ms BIGINT NOT NULL,
  PRIMARY KEY (token_id, host)
))",
         R"(CREATE TABLE agent_certs (
  serial TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  not_before_ms BIGINT NOT NULL,
  not_after_ms BIGINT NOT NULL,
  issued_ms BIGINT NOT NULL,
  revoked_ms BIGINT NOT NULL DEFAULT 0,
  token_id TEXT NOT NULL DEFAULT ''
))",
         "CREATE INDEX agent_certs_by_host ON agent_certs(host, issued_ms)",
         // Every server reads the recent revocations twice a second.
         "CREATE INDEX agent_certs_revoked ON agent_certs(revoked_ms) WHERE revoked_ms > 0",
     }},
    {8,
     "host groups and users' grants on them",
     {
         // Membership is by host name pattern, evaluated when a task is
         // created (no per-host rows: hosts come and go with their agents).
         R"(CREATE TABLE host_groups (
  name TEXT PRIMARY KEY,
  hosts TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
))",
         R"(CREATE TABLE group_grants (
  group_name TEXT NOT NULL REFERENCES host_groups(name),
  user_id BIGINT NOT NULL REFERENCES users(id),
  access TEXT NOT NULL,
  PRIMARY KEY (group_name, user_id)
))",
         "CREATE INDEX group_grants_by_user ON group_grants(user_id)",
     }},
    {9,
     "each host's exit code",
     {
         // NULL until the current dispatch's agent reports how its script
         // ended; reset with each new dispatch.
         "ALTER TABLE task_hosts ADD COLUMN exit_code INTEGER",
     }},
    {10,
     "connected native agents, as every server sees them",
     {
         // One row per connected native agent, written by the server holding
         // its connection (see store/presence_tx.hpp): on PostgreSQL every
         // server lists the whole fleet from it. last_seen_ms is refreshed
         // for a server's agents in one statement every few seconds, so a
         // crashed server's rows go stale and read as disconnected.
         R"(CREATE TABLE agent_presence (
  host TEXT PRIMARY KEY,
  server_id TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '{}',
  version TEXT NOT NULL DEFAULT '',
  remote TEXT NOT NULL DEFAULT '',
  identity TEXT NOT NULL DEFAULT '',
  connected_ms BIGINT NOT NULL,
  last_seen_ms BIGINT NOT NULL
))",
         "CREATE INDEX agent_presence_by_server ON agent_presence(server_id)",
     }},
    {11,
     "host groups select hosts by their agents' labels too",
     {
         // "env=prod,team=db" (auth/host_groups.hpp); '' selects by name only.
         "ALTER TABLE host_groups ADD COLUMN labels TEXT NOT NULL DEFAULT ''",
     }},
    {12,
     "one presence heartbeat per server",
     {
         // Setting last_seen_ms on every agent row of a server every few
         // seconds held that server's one thread for 60-90 ms on PostgreSQL
         // with 10,000 agents, and dispatches waited behind it. A server now
         // refreshes its own row here; an agent row is as fresh as the later
         // of its own last_seen_ms (set when written, and still refreshed by a
         // server of an earlier version) and its server's heartbeat.
         "CREATE TABLE presence_servers (server_id TEXT PRIMARY KEY, last_seen_ms BIGINT NOT NULL)",
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
  // Scripts, their input and their output are bytes, not text: a script may
  // print NULs or invalid UTF-8, and PostgreSQL's TEXT refuses both. SQLite's
  // TEXT keeps any bytes, so its rendering (and every SQLite database already
  // created) is unchanged.
  std::string_view bytes = dialect == SqlDialect::sqlite ? "TEXT" : "BYTEA";
  return replace_all(replace_all(statement, "{{id_pk}}", id_pk), "{{bytes}}", bytes);
}

}  // namespace mend
