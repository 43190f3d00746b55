#pragma once
// StoreTx on a PostgreSQL connection that is inside a transaction. PgStore
// makes one per transact()/read() call; it never begins or ends transactions.
// Every value reaches SQL as a bound parameter.
//
// Row locks (write transactions only). PgStore runs writes at READ COMMITTED,
// where two servers could each read a task, decide, and write over each
// other. So the first time a write transaction touches a task, by task id or
// through one of its dispatches, PgTx locks that task's row (SELECT ... FOR
// UPDATE) before reading anything of it; reads after the lock see every
// commit made before it. Writers of one task therefore run one after another,
// as on SQLite where the whole database has one writer, while writers of
// different tasks run side by side. The engine changes one task per
// transaction, so the locks are taken in one order and cannot deadlock; a
// caller that touches several tasks may deadlock, and PgStore then runs its
// transaction again.
//
// Expected failures (unknown host for a dispatch, a key that exists) are found
// without raising an SQL error, so the transaction stays usable, as on SQLite.
#include <set>
#include <string>
#include <unordered_set>

#include "store/postgres/connection.hpp"
#include "store/store.hpp"

namespace mend::pg {

class PgTx final : public StoreTx {
 public:
  PgTx(Connection& conn, bool write) : conn_(conn), write_(write) {}

  // pg_tx_tasks.cpp
  Result<int64_t> insert_task(const TaskSpec& spec, int64_t now_ms) override;
  Result<std::optional<Task>> find_task(int64_t id) override;
  Result<void> set_action(int64_t task_id, TaskAction action, int64_t now_ms) override;
  Result<void> set_done(int64_t task_id, bool done) override;
  Result<TaskPage> list_tasks(const TaskQuery& q) override;
  Result<std::vector<int64_t>> done_ids(const std::vector<int64_t>& ids) override;
  Result<std::vector<int64_t>> unfinished_task_ids() override;
  Result<StoreCounts> counts() override;

  // pg_tx_hosts.cpp
  Result<std::vector<HostRun>> task_hosts(int64_t task_id) override;
  Result<std::vector<HostRun>> find_hosts(const std::vector<HostKey>& keys) override;
  Result<std::vector<std::pair<HostStatus, int64_t>>> host_status_counts(int64_t task_id) override;
  Result<std::vector<HostRun>> hosts_in_status(int64_t task_id, HostStatus status, int64_t limit) override;
  Result<void> update_hosts(const std::vector<HostRun>& runs) override;
  Result<void> set_host_statuses(int64_t task_id, const std::vector<std::string>& hosts, HostStatus status,
                                 int64_t now_ms) override;
  Result<void> kill_hosts(int64_t task_id, const std::vector<std::string>& hosts, int64_t now_ms) override;
  Result<bool> update_host_output(int64_t task_id, std::string_view host, int64_t dispatch_id,
                                  std::string_view stdout_text, std::string_view stderr_text,
                                  int64_t now_ms) override;

  // pg_tx_dispatches.cpp
  Result<std::vector<Dispatch>> start_dispatches(int64_t task_id, const std::vector<std::string>& hosts,
                                                 int64_t now_ms) override;
  Result<std::vector<Dispatch>> find_dispatches(const std::vector<int64_t>& ids) override;
  Result<void> mark_dispatches_started(const std::vector<int64_t>& ids, int64_t now_ms) override;
  Result<void> close_dispatches(const std::vector<DispatchClose>& closes, int64_t now_ms) override;
  Result<std::vector<OpenDispatch>> open_dispatches_for_host(std::string_view host) override;
  Result<std::optional<OpenDispatch>> open_dispatch(int64_t id) override;
  Result<std::vector<Dispatch>> open_dispatches_for_hosts(const std::vector<std::string>& hosts) override;
  // Collects the hosts; PgStore sends one NOTIFY with all of them just
  // before COMMIT (see dispatch_notice.hpp).
  Result<void> notify_peers(const std::vector<std::string>& hosts) override;
  const std::set<std::string>& hosts_to_notify() const { return notify_; }

  // pg_tx_leases.cpp
  Result<std::optional<TaskLease>> task_lease(int64_t task_id) override;
  Result<bool> take_lease(int64_t task_id, std::string_view owner, int64_t expected_epoch,
                          int64_t expires_ms) override;
  Result<int64_t> renew_leases(std::string_view owner, int64_t expires_ms) override;
  Result<std::vector<TaskLease>> claimable_tasks(int64_t now_ms, int limit) override;
  Result<std::vector<TaskLease>> owned_tasks(std::string_view owner) override;
  Result<std::optional<IdempotentReply>> find_idempotency_key(std::string_view key) override;
  Result<void> insert_idempotency_key(const IdempotentReply& reply) override;
  Result<int64_t> delete_idempotency_keys_before(int64_t before_ms) override;

  // pg_tx_repair.cpp
  Result<std::vector<int64_t>> tasks_without_action() override;
  Result<std::vector<HostRun>> busy_hosts_without_open_dispatch() override;
  Result<std::vector<Dispatch>> open_dispatches_without_busy_host() override;
  Result<std::vector<std::pair<int64_t, bool>>> tasks_with_wrong_done_flag() override;
  Result<void> restore_dispatch(const Dispatch& d) override;
  Result<void> restore_host_for_dispatch(const Dispatch& d, int64_t now_ms) override;

  // pg_tx_heal.cpp
  Result<int64_t> insert_alert_event(const StoredAlertEvent& event) override;
  Result<int64_t> insert_heal_record(const HealRecord& record) override;
  Result<std::optional<int64_t>> active_heal_task(std::string_view rule, std::string_view host,
                                                  std::string_view fingerprint) override;
  Result<std::optional<int64_t>> last_heal_run_ms(std::string_view rule, std::string_view host) override;
  Result<int64_t> count_heal_runs_since(std::string_view rule, int64_t since_ms) override;
  Result<std::vector<HostStatus>> heal_run_statuses(std::string_view rule, int64_t since_ms, int limit) override;
  Result<std::optional<HealRecord>> resolve_heal_run(std::string_view rule, std::string_view host,
                                                     std::string_view fingerprint, int64_t now_ms) override;
  Result<std::vector<HealRecord>> list_heal_records(const HealRecordQuery& q) override;
  Result<std::vector<HealRunTally>> heal_run_tallies(int64_t resolved_within_ms) override;
  Result<std::vector<HealDecisionCount>> heal_decision_counts() override;
  Result<std::optional<HealBreaker>> find_heal_breaker(std::string_view rule) override;
  Result<void> put_heal_breaker(const HealBreaker& breaker) override;
  Result<std::vector<HealBreaker>> list_heal_breakers() override;
  Result<void> put_heal_definition(HealDefinitionKind kind, std::string_view name, std::string_view body,
                                   int64_t now_ms) override;
  Result<bool> delete_heal_definition(HealDefinitionKind kind, std::string_view name) override;
  Result<std::vector<HealDefinition>> list_heal_definitions(HealDefinitionKind kind) override;
  Result<bool> host_has_run_dispatches(std::string_view host) override;

  // pg_tx_native_hosts.cpp
  Result<void> record_native_hosts(const std::vector<std::string>& hosts, int64_t now_ms) override;
  Result<std::vector<std::string>> native_hosts_among(const std::vector<std::string>& hosts) override;
  // pg_tx_query.cpp
  Result<SqlRows> query(std::string_view pg_sql, const std::vector<SqlValue>& params) override;

 private:
  // Lock the task row (write transactions; once per task). A missing task
  // locks nothing: the read that follows finds nothing either.
  Result<void> lock_task(int64_t task_id);
  // Lock the tasks not locked yet, in one statement.
  Result<void> lock_tasks(const std::vector<int64_t>& task_ids);
  // Lock the task of dispatch `id`, if the dispatch exists.
  Result<void> lock_task_of_dispatch(int64_t id);
  Result<void> lock_tasks_of_dispatches(const std::vector<int64_t>& ids);
  // Serialise heal decisions about one rule across servers (write
  // transactions; once per rule). See pg_tx_heal.cpp.
  Result<void> lock_heal_rule(std::string_view rule);
  Result<bool> task_exists(int64_t task_id);
  Result<bool> dispatch_exists(int64_t id);

  Connection& conn_;
  bool write_;
  std::unordered_set<int64_t> locked_tasks_;
  std::unordered_set<int64_t> locked_dispatches_;
  std::unordered_set<std::string> locked_rules_;
  std::set<std::string> notify_;
};

// Row readers shared by the pg_tx files. Column order, from `first`:
//   host:     task_id, seq, host, status, stdout, stderr, dispatch_id, dispatched_ms, updated_ms
//   dispatch: id, task_id, host, attempt, created_ms, started_ms, finished_ms, result,
//   kill_requested
Result<HostRun> read_host(const Rows& rows, int row);
Dispatch read_dispatch(const Rows& rows, int row);

inline constexpr std::string_view kHostColumns =
    "h.task_id, h.seq, h.host, h.status, h.stdout, h.stderr, h.dispatch_id, h.dispatched_ms, "
    "h.updated_ms, h.exit_code";
inline constexpr std::string_view kDispatchColumns =
    "d.id, d.task_id, d.host, d.attempt, d.created_ms, d.started_ms, d.finished_ms, d.result, "
    "d.kill_requested";

}  // namespace mend::pg
