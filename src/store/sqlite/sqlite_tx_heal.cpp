// Alert self-healing: events, heal records, breakers, API-managed definitions.
#include <string>

#include "store/row_fields.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace mend::sqlite {

namespace {

// A record joined with its task host's status (LEFT JOIN: most records have no task).
const std::string kRecordSelect =
    "SELECT r.id, r.event_id, r.rule, r.host, r.fingerprint, r.decision, r.reason, r.task_id, r.created_ms, "
    "r.resolved_ms, r.resolve_after_ms, COALESCE(th.status, '') "
    "FROM heal_records r LEFT JOIN task_hosts th ON th.task_id = r.task_id AND th.host = r.host";

HealRecord read_record(const Statement& st) {
  HealRecord r;
  read_columns(st, r.id, r.event_id, r.rule, r.host, r.fingerprint, r.decision, r.reason, r.task_id, r.created_ms,
               r.resolved_ms, r.resolve_after_ms, r.task_status);
  return r;
}

HealBreaker read_breaker(const Statement& st) {
  HealBreaker b;
  read_columns(st, b.rule, b.open, b.opened_ms, b.closed_ms, b.reason);
  return b;
}

// Table names come from this switch only, never from input.
const char* definition_table(HealDefinitionKind kind) {
  return kind == HealDefinitionKind::heal_template ? "heal_templates" : "heal_rules";
}

}  // namespace

Result<int64_t> SqliteTx::insert_alert_event(const StoredAlertEvent& e) {
  MEND_ASSIGN_OR_RETURN(
      auto st, conn_.prepare("INSERT INTO alert_events(source, status, fingerprint, name, labels, annotations, "
                             "severity, trigger_value, target, starts_ms, ends_ms, received_ms) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
  st.bind(e.source).bind(e.status).bind(e.fingerprint).bind(e.name).bind(e.labels_json).bind(e.annotations_json);
  st.bind(e.severity).bind(e.trigger_value).bind(e.target).bind(e.starts_ms).bind(e.ends_ms).bind(e.received_ms);
  return returned_id(st, "alert_events");
}

Result<int64_t> SqliteTx::insert_heal_record(const HealRecord& r) {
  // NULLIF turns the "no value" 0 into NULL: task ids and times are never 0.
  MEND_ASSIGN_OR_RETURN(
      auto st, conn_.prepare("INSERT INTO heal_records(event_id, rule, host, fingerprint, decision, reason, task_id, "
                             "created_ms, resolved_ms, resolve_after_ms) "
                             "VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, NULLIF(?, -1), NULLIF(?, -1)) RETURNING id"));
  st.bind(r.event_id).bind(r.rule).bind(r.host).bind(r.fingerprint).bind(r.decision).bind(r.reason);
  st.bind(r.task_id.value_or(0)).bind(r.created_ms).bind(r.resolved_ms.value_or(-1));
  st.bind(r.resolve_after_ms.value_or(-1));
  return returned_id(st, "heal_records");
}

Result<std::optional<int64_t>> SqliteTx::active_heal_task(std::string_view rule, std::string_view host,
                                                          std::string_view fingerprint) {
  MEND_ASSIGN_OR_RETURN(
      auto st, conn_.prepare("SELECT r.task_id FROM heal_records r JOIN tasks t ON t.id = r.task_id "
                             "WHERE r.decision = 'ran' AND r.rule = ? AND r.host = ? AND r.fingerprint = ? "
                             "AND t.done = 0 ORDER BY r.id DESC LIMIT 1"));
  MEND_ASSIGN_OR_RETURN(bool row, st.bind(rule).bind(host).bind(fingerprint).step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(st.i64(0));
}

Result<std::optional<int64_t>> SqliteTx::last_heal_run_ms(std::string_view rule, std::string_view host) {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("SELECT MAX(created_ms) FROM heal_records "
                                               "WHERE decision = 'ran' AND rule = ? AND host = ?"));
  MEND_ASSIGN_OR_RETURN(bool row, st.bind(rule).bind(host).step());
  if (!row || st.is_null(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(st.i64(0));
}

Result<int64_t> SqliteTx::count_heal_runs_since(std::string_view rule, int64_t since_ms) {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("SELECT COUNT(*) FROM heal_records "
                                               "WHERE decision = 'ran' AND rule = ? AND created_ms >= ?"));
  MEND_ASSIGN_OR_RETURN(bool row, st.bind(rule).bind(since_ms).step());
  return row ? st.i64(0) : 0;
}

Result<std::vector<HostStatus>> SqliteTx::heal_run_statuses(std::string_view rule, int64_t since_ms, int limit) {
  MEND_ASSIGN_OR_RETURN(
      auto st, conn_.prepare("SELECT th.status FROM heal_records r "
                             "JOIN task_hosts th ON th.task_id = r.task_id AND th.host = r.host "
                             "WHERE r.decision = 'ran' AND r.rule = ? AND r.created_ms >= ? "
                             "ORDER BY r.id DESC LIMIT ?"));
  st.bind(rule).bind(since_ms).bind(int64_t{limit});
  std::vector<HostStatus> out;
  for (;;) {
    MEND_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    auto s = parse_host_status(st.text(0));
    if (!s) return make_error(ErrorCode::internal, "unknown host status '" + st.text(0) + "'");
    out.push_back(*s);
  }
}

Result<std::optional<HealRecord>> SqliteTx::resolve_heal_run(std::string_view rule, std::string_view host,
                                                             std::string_view fingerprint, int64_t now_ms) {
  int64_t id = 0;
  {
    MEND_ASSIGN_OR_RETURN(
        auto st, conn_.prepare("SELECT id FROM heal_records WHERE decision = 'ran' AND rule = ? AND host = ? "
                               "AND fingerprint = ? AND resolved_ms IS NULL ORDER BY id DESC LIMIT 1"));
    MEND_ASSIGN_OR_RETURN(bool row, st.bind(rule).bind(host).bind(fingerprint).step());
    if (!row) return std::optional<HealRecord>();
    id = st.i64(0);
  }
  {
    MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("UPDATE heal_records SET resolved_ms = ?, "
                                                 "resolve_after_ms = ? - created_ms WHERE id = ?"));
    MEND_TRY(st.bind(now_ms).bind(now_ms).bind(id).run());
  }
  static const std::string sql = kRecordSelect + " WHERE r.id = ?";
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare(sql));
  MEND_ASSIGN_OR_RETURN(bool row, st.bind(id).step());
  if (!row) return make_error(ErrorCode::internal, "heal record " + std::to_string(id) + " vanished");
  return std::optional<HealRecord>(read_record(st));
}

Result<std::vector<HealRecord>> SqliteTx::list_heal_records(const HealRecordQuery& q) {
  if (q.limit < 1) return make_error(ErrorCode::invalid_input, "limit must be at least 1");
  // One statement text for every filter combination: an empty filter matches all.
  static const std::string sql = kRecordSelect +
                                 " WHERE (? = '' OR r.rule = ?) AND (? = '' OR r.host = ?) "
                                 "AND (? = '' OR r.decision = ?) AND r.created_ms >= ? "
                                 "AND (? = 0 OR r.created_ms < ?) AND (? = 0 OR r.id < ?) "
                                 "ORDER BY r.id DESC LIMIT ?";
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare(sql));
  st.bind(q.rule).bind(q.rule).bind(q.host).bind(q.host).bind(q.decision).bind(q.decision);
  st.bind(q.since_ms).bind(q.until_ms).bind(q.until_ms).bind(q.before_id).bind(q.before_id);
  st.bind(int64_t{q.limit});
  return read_all(st, read_record);
}

Result<std::vector<HealRunTally>> SqliteTx::heal_run_tallies(int64_t resolved_within_ms) {
  MEND_ASSIGN_OR_RETURN(
      auto st,
      conn_.prepare("SELECT r.rule, COALESCE(th.status, ''), COUNT(*), "
                    "SUM(CASE WHEN r.resolve_after_ms IS NOT NULL AND r.resolve_after_ms <= ? THEN 1 ELSE 0 END), "
                    "MAX(r.created_ms) "
                    "FROM heal_records r LEFT JOIN task_hosts th ON th.task_id = r.task_id AND th.host = r.host "
                    "WHERE r.decision = 'ran' GROUP BY r.rule, COALESCE(th.status, '') ORDER BY 1, 2"));
  st.bind(resolved_within_ms);
  return read_all(st, [](const Statement& row) {
    return HealRunTally{row.text(0), row.text(1), row.i64(2), row.i64(3), row.i64(4)};
  });
}

Result<std::vector<HealDecisionCount>> SqliteTx::heal_decision_counts() {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("SELECT rule, decision, COUNT(*) FROM heal_records "
                                               "GROUP BY rule, decision ORDER BY rule, decision"));
  return read_all(st,
                  [](const Statement& row) { return HealDecisionCount{row.text(0), row.text(1), row.i64(2)}; });
}

Result<std::optional<HealBreaker>> SqliteTx::find_heal_breaker(std::string_view rule) {
  MEND_ASSIGN_OR_RETURN(
      auto st, conn_.prepare("SELECT rule, open, opened_ms, closed_ms, reason FROM heal_breakers WHERE rule = ?"));
  st.bind(rule);
  return read_first(st, read_breaker);
}

Result<void> SqliteTx::put_heal_breaker(const HealBreaker& b) {
  MEND_ASSIGN_OR_RETURN(
      auto st, conn_.prepare("INSERT INTO heal_breakers(rule, open, opened_ms, closed_ms, reason) "
                             "VALUES (?, ?, ?, ?, ?) ON CONFLICT (rule) DO UPDATE SET open = excluded.open, "
                             "opened_ms = excluded.opened_ms, closed_ms = excluded.closed_ms, "
                             "reason = excluded.reason"));
  return st.bind(b.rule).bind(int64_t{b.open}).bind(b.opened_ms).bind(b.closed_ms).bind(b.reason).run();
}

Result<std::vector<HealBreaker>> SqliteTx::list_heal_breakers() {
  MEND_ASSIGN_OR_RETURN(
      auto st, conn_.prepare("SELECT rule, open, opened_ms, closed_ms, reason FROM heal_breakers ORDER BY rule"));
  return read_all(st, read_breaker);
}

Result<void> SqliteTx::put_heal_definition(HealDefinitionKind kind, std::string_view name, std::string_view body,
                                           int64_t now_ms) {
  MEND_ASSIGN_OR_RETURN(
      auto st, conn_.prepare(std::string("INSERT INTO ") + definition_table(kind) +
                             "(name, body, updated_ms) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                             "body = excluded.body, updated_ms = excluded.updated_ms"));
  return st.bind(name).bind(body).bind(now_ms).run();
}

Result<bool> SqliteTx::delete_heal_definition(HealDefinitionKind kind, std::string_view name) {
  MEND_ASSIGN_OR_RETURN(auto st,
                        conn_.prepare(std::string("DELETE FROM ") + definition_table(kind) + " WHERE name = ?"));
  MEND_TRY(st.bind(name).run());
  return conn_.changes() > 0;
}

Result<std::vector<HealDefinition>> SqliteTx::list_heal_definitions(HealDefinitionKind kind) {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare(std::string("SELECT name, body, updated_ms FROM ") +
                                               definition_table(kind) + " ORDER BY name"));
  return read_all(st, [](const Statement& row) { return HealDefinition{row.text(0), row.text(1), row.i64(2)}; });
}

Result<bool> SqliteTx::host_has_run_dispatches(std::string_view host) {
  // 'success' and 'failed' come only from an agent's result; the server's own
  // verdicts (timeout, lost, cancelled) prove nothing about an agent existing.
  // The parenthesised predicate is dispatches_run_by_host's: keep them equal.
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("SELECT 1 FROM dispatches WHERE host = ? AND "
                                               "(started_ms > 0 OR result IN ('success', 'failed')) LIMIT 1"));
  MEND_ASSIGN_OR_RETURN(bool row, st.bind(host).step());
  return row;
}

}  // namespace mend::sqlite
