// Alert self-healing: events, heal records, breakers, API-managed definitions.
// The same statements as sqlite_tx_heal.cpp, with typed parameters; text is
// ordered COLLATE "C", SQLite's byte-wise order, whatever the database's locale.
#include <string>

#include "store/postgres/pg_tx.hpp"
#include "store/row_fields.hpp"

namespace mend::pg {

namespace {

// A record joined with its task host's status (LEFT JOIN: most records have no task).
const std::string kRecordSelect =
    "SELECT r.id, r.event_id, r.rule, r.host, r.fingerprint, r.decision, r.reason, r.task_id, "
    "r.created_ms, r.resolved_ms, r.resolve_after_ms, COALESCE(th.status, '') "
    "FROM heal_records r LEFT JOIN task_hosts th ON th.task_id = r.task_id AND th.host = r.host";

HealRecord read_record(const Rows& r, int i) {
  HealRecord h;
  read_row(r, i, h.id, h.event_id, h.rule, h.host, h.fingerprint, h.decision, h.reason, h.task_id, h.created_ms,
           h.resolved_ms, h.resolve_after_ms, h.task_status);
  return h;
}

std::vector<HealBreaker> read_breakers(const Rows& r) {
  std::vector<HealBreaker> out;
  for (int i = 0; i < r.size(); ++i) {
    HealBreaker b;
    read_row(r, i, b.rule, b.open, b.opened_ms, b.closed_ms, b.reason);
    out.push_back(std::move(b));
  }
  return out;
}

// Statement texts per kind; table names come from here only, never from input.
struct DefinitionSql {
  std::string put, del, list;
};

const DefinitionSql& definition_sql(HealDefinitionKind kind) {
  auto make = [](const std::string& table) {
    return DefinitionSql{
        "INSERT INTO " + table +
            "(name, body, updated_ms) VALUES ($1::text, $2::text, $3::bigint) ON CONFLICT (name) "
            "DO UPDATE SET body = excluded.body, updated_ms = excluded.updated_ms",
        "DELETE FROM " + table + " WHERE name = $1::text",
        "SELECT name, body, updated_ms FROM " + table + " ORDER BY name COLLATE \"C\""};
  };
  static const DefinitionSql templates = make("heal_templates");
  static const DefinitionSql rules = make("heal_rules");
  return kind == HealDefinitionKind::heal_template ? templates : rules;
}

}  // namespace

Result<void> PgTx::lock_heal_rule(std::string_view rule) {
  // The guardrails read a rule's records, decide, and write a record: two
  // servers deciding about the same rule at READ COMMITTED could both see no
  // active run and both start one (an HA pair of Alertmanagers sends every
  // alert to each). A transaction-scoped advisory lock per rule makes those
  // decisions take turns, as SQLite's single writer does; the reads after it
  // see every decision committed before it.
  if (!write_ || locked_rules_.count(std::string(rule)) != 0) return ok();
  Params p;
  p.add(rule);
  MEND_TRY(conn_.exec("SELECT pg_advisory_xact_lock(hashtextextended('mend.heal_rule:' || $1::text, 0))", p));
  locked_rules_.insert(std::string(rule));
  return ok();
}

Result<int64_t> PgTx::insert_alert_event(const StoredAlertEvent& e) {
  Params p;
  p.add(e.source).add(e.status).add(e.fingerprint).add(e.name).add(e.labels_json).add(e.annotations_json);
  p.add(e.severity).add(e.trigger_value).add(e.target).add(e.starts_ms).add(e.ends_ms).add(e.received_ms);
  MEND_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.exec("INSERT INTO alert_events(source, status, fingerprint, name, labels, annotations, severity, "
                 "trigger_value, target, starts_ms, ends_ms, received_ms) VALUES ($1::text, $2::text, "
                 "$3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::bigint, "
                 "$11::bigint, $12::bigint) RETURNING id",
                 p));
  return returned_id(rows, "alert_events");
}

Result<int64_t> PgTx::insert_heal_record(const HealRecord& r) {
  // NULLIF turns the "no value" markers into NULL: task ids are never 0 and
  // resolve times never -1.
  Params p;
  p.add(r.event_id).add(r.rule).add(r.host).add(r.fingerprint).add(r.decision).add(r.reason);
  p.add(r.task_id.value_or(0)).add(r.created_ms).add(r.resolved_ms.value_or(-1));
  p.add(r.resolve_after_ms.value_or(-1));
  MEND_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.exec("INSERT INTO heal_records(event_id, rule, host, fingerprint, decision, reason, task_id, "
                 "created_ms, resolved_ms, resolve_after_ms) VALUES ($1::bigint, $2::text, $3::text, "
                 "$4::text, $5::text, $6::text, NULLIF($7::bigint, 0), $8::bigint, NULLIF($9::bigint, -1), "
                 "NULLIF($10::bigint, -1)) RETURNING id",
                 p));
  return returned_id(rows, "heal_records");
}

Result<std::optional<int64_t>> PgTx::active_heal_task(std::string_view rule, std::string_view host,
                                                      std::string_view fingerprint) {
  MEND_TRY(lock_heal_rule(rule));
  Params p;
  p.add(rule).add(host).add(fingerprint);
  MEND_ASSIGN_OR_RETURN(
      Rows rows, conn_.exec("SELECT r.task_id FROM heal_records r JOIN tasks t ON t.id = r.task_id "
                            "WHERE r.decision = 'ran' AND r.rule = $1::text AND r.host = $2::text "
                            "AND r.fingerprint = $3::text AND t.done = 0 ORDER BY r.id DESC LIMIT 1",
                            p));
  if (rows.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(rows.i64(0, 0));
}

Result<std::optional<int64_t>> PgTx::last_heal_run_ms(std::string_view rule, std::string_view host) {
  MEND_TRY(lock_heal_rule(rule));
  Params p;
  p.add(rule).add(host);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("SELECT MAX(created_ms) FROM heal_records "
                                              "WHERE decision = 'ran' AND rule = $1::text AND host = $2::text",
                                              p));
  if (rows.empty() || rows.is_null(0, 0)) return std::optional<int64_t>();
  return std::optional<int64_t>(rows.i64(0, 0));
}

Result<int64_t> PgTx::count_heal_runs_since(std::string_view rule, int64_t since_ms) {
  MEND_TRY(lock_heal_rule(rule));
  Params p;
  p.add(rule).add(since_ms);
  MEND_ASSIGN_OR_RETURN(Rows rows,
                        conn_.exec("SELECT COUNT(*) FROM heal_records "
                                   "WHERE decision = 'ran' AND rule = $1::text AND created_ms >= $2::bigint",
                                   p));
  return rows.empty() ? 0 : rows.i64(0, 0);
}

Result<std::vector<HostStatus>> PgTx::heal_run_statuses(std::string_view rule, int64_t since_ms, int limit) {
  MEND_TRY(lock_heal_rule(rule));
  Params p;
  p.add(rule).add(since_ms).add(int64_t{limit});
  MEND_ASSIGN_OR_RETURN(
      Rows rows, conn_.exec("SELECT th.status FROM heal_records r "
                            "JOIN task_hosts th ON th.task_id = r.task_id AND th.host = r.host "
                            "WHERE r.decision = 'ran' AND r.rule = $1::text AND r.created_ms >= $2::bigint "
                            "ORDER BY r.id DESC LIMIT $3::bigint",
                            p));
  std::vector<HostStatus> out;
  for (int i = 0; i < rows.size(); ++i) {
    auto s = parse_host_status(rows.text(i, 0));
    if (!s) return make_error(ErrorCode::internal, "unknown host status '" + rows.text(i, 0) + "'");
    out.push_back(*s);
  }
  return out;
}

Result<std::optional<HealRecord>> PgTx::resolve_heal_run(std::string_view rule, std::string_view host,
                                                         std::string_view fingerprint, int64_t now_ms) {
  MEND_TRY(lock_heal_rule(rule));
  // One statement picks the newest unresolved run and fills it; the rule lock
  // keeps a concurrent resolve of the same alert from picking it too.
  static const std::string sql =
      "WITH picked AS (SELECT id FROM heal_records WHERE decision = 'ran' AND rule = $1::text "
      "AND host = $2::text AND fingerprint = $3::text AND resolved_ms IS NULL ORDER BY id DESC LIMIT 1), "
      "updated AS (UPDATE heal_records h SET resolved_ms = $4::bigint, resolve_after_ms = $4::bigint - "
      "h.created_ms FROM picked WHERE h.id = picked.id RETURNING h.*) "
      "SELECT r.id, r.event_id, r.rule, r.host, r.fingerprint, r.decision, r.reason, r.task_id, "
      "r.created_ms, r.resolved_ms, r.resolve_after_ms, COALESCE(th.status, '') "
      "FROM updated r LEFT JOIN task_hosts th ON th.task_id = r.task_id AND th.host = r.host";
  Params p;
  p.add(rule).add(host).add(fingerprint).add(now_ms);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p));
  return first_row(rows, read_record);
}

Result<std::vector<HealRecord>> PgTx::list_heal_records(const HealRecordQuery& q) {
  if (q.limit < 1) return make_error(ErrorCode::invalid_input, "limit must be at least 1");
  // One statement text for every filter combination: an empty filter matches all.
  static const std::string sql = kRecordSelect +
                                 " WHERE ($1::text = '' OR r.rule = $1::text) AND ($2::text = '' OR r.host = "
                                 "$2::text) AND ($3::text = '' OR r.decision = $3::text) "
                                 "AND r.created_ms >= $4::bigint AND ($5::bigint = 0 OR r.created_ms < $5::bigint) "
                                 "AND ($6::bigint = 0 OR r.id < $6::bigint) ORDER BY r.id DESC LIMIT $7::bigint";
  Params p;
  p.add(q.rule).add(q.host).add(q.decision).add(q.since_ms).add(q.until_ms).add(q.before_id);
  p.add(int64_t{q.limit});
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p));
  return each_row(rows, read_record);
}

Result<std::vector<HealRunTally>> PgTx::heal_run_tallies(int64_t resolved_within_ms) {
  Params p;
  p.add(resolved_within_ms);
  MEND_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.exec("SELECT r.rule, COALESCE(th.status, '') AS status, COUNT(*), "
                 "SUM(CASE WHEN r.resolve_after_ms IS NOT NULL AND r.resolve_after_ms <= $1::bigint "
                 "THEN 1 ELSE 0 END)::bigint, MAX(r.created_ms) "
                 "FROM heal_records r LEFT JOIN task_hosts th ON th.task_id = r.task_id AND th.host = r.host "
                 "WHERE r.decision = 'ran' GROUP BY r.rule, COALESCE(th.status, '') "
                 "ORDER BY r.rule COLLATE \"C\", COALESCE(th.status, '') COLLATE \"C\"",
                 p));
  std::vector<HealRunTally> out;
  for (int i = 0; i < rows.size(); ++i)
    out.push_back({rows.text(i, 0), rows.text(i, 1), rows.i64(i, 2), rows.i64(i, 3), rows.i64(i, 4)});
  return out;
}

Result<std::vector<HealDecisionCount>> PgTx::heal_decision_counts() {
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("SELECT rule, decision, COUNT(*) FROM heal_records "
                                              "GROUP BY rule, decision "
                                              "ORDER BY rule COLLATE \"C\", decision COLLATE \"C\""));
  std::vector<HealDecisionCount> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back({rows.text(i, 0), rows.text(i, 1), rows.i64(i, 2)});
  return out;
}

Result<std::optional<HealBreaker>> PgTx::find_heal_breaker(std::string_view rule) {
  MEND_TRY(lock_heal_rule(rule));
  Params p;
  p.add(rule);
  MEND_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.exec("SELECT rule, open, opened_ms, closed_ms, reason FROM heal_breakers WHERE rule = $1::text", p));
  return first(read_breakers(rows));
}

Result<void> PgTx::put_heal_breaker(const HealBreaker& b) {
  MEND_TRY(lock_heal_rule(b.rule));
  Params p;
  p.add(b.rule).add(int64_t{b.open}).add(b.opened_ms).add(b.closed_ms).add(b.reason);
  MEND_TRY(conn_.exec("INSERT INTO heal_breakers(rule, open, opened_ms, closed_ms, reason) "
                      "VALUES ($1::text, $2::integer, $3::bigint, $4::bigint, $5::text) ON CONFLICT (rule) "
                      "DO UPDATE SET open = excluded.open, opened_ms = excluded.opened_ms, "
                      "closed_ms = excluded.closed_ms, reason = excluded.reason",
                      p));
  return ok();
}

Result<std::vector<HealBreaker>> PgTx::list_heal_breakers() {
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("SELECT rule, open, opened_ms, closed_ms, reason FROM heal_breakers "
                                              "ORDER BY rule COLLATE \"C\""));
  return read_breakers(rows);
}

Result<void> PgTx::put_heal_definition(HealDefinitionKind kind, std::string_view name, std::string_view body,
                                       int64_t now_ms) {
  Params p;
  p.add(name).add(body).add(now_ms);
  MEND_TRY(conn_.exec(definition_sql(kind).put, p));
  return ok();
}

Result<bool> PgTx::delete_heal_definition(HealDefinitionKind kind, std::string_view name) {
  Params p;
  p.add(name);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(definition_sql(kind).del, p));
  return rows.affected() > 0;
}

Result<std::vector<HealDefinition>> PgTx::list_heal_definitions(HealDefinitionKind kind) {
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(definition_sql(kind).list));
  std::vector<HealDefinition> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back({rows.text(i, 0), rows.text(i, 1), rows.i64(i, 2)});
  return out;
}

Result<bool> PgTx::host_has_run_dispatches(std::string_view host) {
  // 'success' and 'failed' come only from an agent's result; the server's own
  // verdicts (timeout, lost, cancelled) prove nothing about an agent existing.
  // The parenthesised predicate is dispatches_run_by_host's: keep them equal.
  Params p;
  p.add(host);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("SELECT 1 FROM dispatches WHERE host = $1 AND "
                                              "(started_ms > 0 OR result IN ('success', 'failed')) LIMIT 1",
                                              p));
  return rows.size() > 0;
}

}  // namespace mend::pg
