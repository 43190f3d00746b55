#pragma once
// The one storage interface. The engine states every state change as a single
// call to Store::transact; a backend (SQLite now, PostgreSQL next) commits all
// of it or none of it. Nothing above src/store knows an SQL dialect.
//
// Threading: a Store may be used from one thread at a time (the server runs its
// engine on one strand). StoreTx objects live only inside the callback.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/auth_model.hpp"
#include "store/heal_model.hpp"
#include "store/model.hpp"
#include "store/sql_query.hpp"

namespace mend {

// An assignment the agent of `host` should be running: an open dispatch joined
// with the task fields the agent needs.
struct OpenDispatch {
  Dispatch dispatch;
  std::string script;
  std::string args;
  std::string account;
  std::string stdin_text;
  int timeout_s = 30;
  std::vector<std::pair<std::string, std::string>> env;  // the task's extra environment
};

// A host row's key.
struct HostKey {
  int64_t task_id = 0;
  std::string host;
};

// A dispatch to close, with its final status.
struct DispatchClose {
  int64_t id = 0;
  std::string result;
  // Its start was reported in the same batch: the close records the start
  // time too (when none is recorded yet), one write instead of two.
  bool started = false;
};

struct TaskLease {
  int64_t task_id = 0;
  std::string owner;  // server id; empty when nobody owns it
  int64_t epoch = 0;
  int64_t expires_ms = 0;
};

struct IdempotentReply {
  std::string key;
  std::string fingerprint;  // of the request; a reused key with another request is refused
  int status = 200;
  std::string body;
  int64_t created_ms = 0;
};

class StoreTx {
 public:
  virtual ~StoreTx() = default;

  // Tasks. insert_task writes the task row, its action row and every host row
  // (status waiting, seq in spec order) and returns the new id.
  virtual Result<int64_t> insert_task(const TaskSpec& spec, int64_t now_ms) = 0;
  virtual Result<std::optional<Task>> find_task(int64_t id) = 0;
  virtual Result<void> set_action(int64_t task_id, TaskAction action, int64_t now_ms) = 0;
  virtual Result<void> set_done(int64_t task_id, bool done) = 0;
  virtual Result<TaskPage> list_tasks(const TaskQuery& q) = 0;
  // Ids among `ids` whose task is done (unknown ids are left out).
  virtual Result<std::vector<int64_t>> done_ids(const std::vector<int64_t>& ids) = 0;
  // Ids of every task that is not done, oldest first.
  virtual Result<std::vector<int64_t>> unfinished_task_ids() = 0;

  // Hosts of a task, in seq order.
  virtual Result<std::vector<HostRun>> task_hosts(int64_t task_id) = 0;
  // What the scheduler reads instead of every host with its output, which on
  // a 10,000-host task is megabytes per report batch:
  // how many hosts of the task have each status (statuses with none left out),
  virtual Result<std::vector<std::pair<HostStatus, int64_t>>> host_status_counts(int64_t task_id) = 0;
  // and the hosts with `status`, in seq order, at most `limit` (all when
  // limit <= 0), with empty outputs (not read).
  virtual Result<std::vector<HostRun>> hosts_in_status(int64_t task_id, HostStatus status, int64_t limit) = 0;
  // The rows of `keys` that exist, in no particular order.
  virtual Result<std::vector<HostRun>> find_hosts(const std::vector<HostKey>& keys) = 0;
  Result<std::optional<HostRun>> find_host(int64_t task_id, std::string_view host);
  // Writes status, outputs, dispatch_id, dispatched_ms and updated_ms of each
  // row keyed by (task_id, host) (distinct keys). not_found when one has no
  // row. Few statements on PostgreSQL however many rows.
  virtual Result<void> update_hosts(const std::vector<HostRun>& runs) = 0;
  Result<void> update_host(const HostRun& run);
  // Sets status and updated_ms of `hosts` (distinct hosts of the task); the
  // outputs and the current dispatch stay. not_found when one is not a host
  // of the task. One statement on PostgreSQL however many hosts.
  virtual Result<void> set_host_statuses(int64_t task_id, const std::vector<std::string>& hosts, HostStatus status,
                                         int64_t now_ms) = 0;
  // A kill of `hosts` (distinct hosts of the task): each row becomes killing
  // (updated_ms now_ms) and its current dispatch, if it has one, is marked
  // kill_requested (a dispatch row that is missing is left to the repair
  // loop, which restores it with the kill). not_found when one is not a host
  // of the task. One statement on PostgreSQL however many hosts.
  virtual Result<void> kill_hosts(int64_t task_id, const std::vector<std::string>& hosts, int64_t now_ms) = 0;
  // Live output: replaces the outputs only while `dispatch_id` is the host's
  // current dispatch. Returns whether a row changed.
  virtual Result<bool> update_host_output(int64_t task_id, std::string_view host, int64_t dispatch_id,
                                          std::string_view stdout_text, std::string_view stderr_text,
                                          int64_t now_ms) = 0;

  // Dispatches. start_dispatches starts one attempt on each of `hosts`
  // (distinct hosts of the task): inserts its dispatch, numbered 1 + the
  // host's earlier attempts, and makes it the host row's current dispatch with
  // status running, outputs cleared, dispatched_ms and updated_ms now_ms.
  // Returns the dispatches in the order of `hosts`. not_found when one is not
  // a host of the task (the caller's transaction then rolls back). A backend
  // writes many hosts in a few statements: a task started on 10,000 hosts
  // must not cost 20,000 round trips to the database.
  virtual Result<std::vector<Dispatch>> start_dispatches(int64_t task_id, const std::vector<std::string>& hosts,
                                                         int64_t now_ms) = 0;
  // The dispatches of `ids` that exist, by id. In a write transaction their
  // tasks are locked (PostgreSQL) before they are read.
  virtual Result<std::vector<Dispatch>> find_dispatches(const std::vector<int64_t>& ids) = 0;
  Result<std::optional<Dispatch>> find_dispatch(int64_t id);
  // Sets started_ms of each dispatch of `ids` that has none yet (the first
  // report wins). not_found when one does not exist.
  virtual Result<void> mark_dispatches_started(const std::vector<int64_t>& ids, int64_t now_ms) = 0;
  Result<void> mark_dispatch_started(int64_t id, int64_t now_ms);
  // Records each dispatch's final status (distinct ids); a dispatch is closed
  // once and never reopened: conflict when one is already closed, not_found
  // when one does not exist, invalid_input when now_ms is not positive.
  virtual Result<void> close_dispatches(const std::vector<DispatchClose>& closes, int64_t now_ms) = 0;
  Result<void> close_dispatch(int64_t id, std::string_view result, int64_t now_ms);
  // Open dispatches whose host is `host` (to send when its agent connects).
  virtual Result<std::vector<OpenDispatch>> open_dispatches_for_host(std::string_view host) = 0;
  virtual Result<std::optional<OpenDispatch>> open_dispatch(int64_t id) = 0;
  // Open dispatches (no join) whose host is one of `hosts`, by id: what a
  // server checks for the agents connected to it, in case a notification
  // from another server was missed.
  virtual Result<std::vector<Dispatch>> open_dispatches_for_hosts(const std::vector<std::string>& hosts) = 0;
  // Once this transaction commits, tells the other servers sharing the
  // database that `hosts` have new assignments or kills (they hear it on a
  // DispatchFeed and send them to those hosts' agents if connected there).
  // Calls add up: a transaction sends at most one notification, at commit,
  // and none if it rolls back. A no-op where one server owns the database.
  virtual Result<void> notify_peers(const std::vector<std::string>& hosts) = 0;

  virtual Result<StoreCounts> counts() = 0;

  // ---- Ownership. Every unfinished task has one owner server with a lease.
  virtual Result<std::optional<TaskLease>> task_lease(int64_t task_id) = 0;
  // Makes `owner` the owner with epoch = expected_epoch + 1, only while the
  // task's epoch is still expected_epoch. Returns whether it did: false means
  // another server moved first.
  virtual Result<bool> take_lease(int64_t task_id, std::string_view owner, int64_t expected_epoch,
                                  int64_t expires_ms) = 0;
  // Extends every lease `owner` holds on an unfinished task; returns how many.
  virtual Result<int64_t> renew_leases(std::string_view owner, int64_t expires_ms) = 0;
  // Unfinished tasks whose lease expired before now_ms (or that have no
  // owner), oldest first, at most `limit`.
  virtual Result<std::vector<TaskLease>> claimable_tasks(int64_t now_ms, int limit) = 0;
  // Unfinished tasks `owner` holds.
  virtual Result<std::vector<TaskLease>> owned_tasks(std::string_view owner) = 0;

  // ---- Idempotency keys: the first answer to a request, kept for replays.
  virtual Result<std::optional<IdempotentReply>> find_idempotency_key(std::string_view key) = 0;
  // conflict when the key exists (a concurrent request with the same key).
  virtual Result<void> insert_idempotency_key(const IdempotentReply& reply) = 0;
  virtual Result<int64_t> delete_idempotency_keys_before(int64_t before_ms) = 0;

  // ---- Invariant checks for the repair loop: each returns what breaks one.
  // Unfinished tasks with no action row (the Ibex "record not found").
  virtual Result<std::vector<int64_t>> tasks_without_action() = 0;
  // Hosts running or killing whose current dispatch is missing or closed.
  virtual Result<std::vector<HostRun>> busy_hosts_without_open_dispatch() = 0;
  // Open dispatches that are not the current dispatch of a host row that may
  // still hear from its agent (running, killing, timeout, lost, killfailed or
  // ignored); includes dispatches whose host row is missing.
  virtual Result<std::vector<Dispatch>> open_dispatches_without_busy_host() = 0;
  // Tasks whose done flag disagrees with their hosts: (task id, should be done).
  virtual Result<std::vector<std::pair<int64_t, bool>>> tasks_with_wrong_done_flag() = 0;
  // Restores a dispatch row with its original id (deleted by damage), open.
  virtual Result<void> restore_dispatch(const Dispatch& d) = 0;
  // Restores a host row for a dispatch whose host row is missing, as running
  // with that dispatch current, placed after the task's other hosts.
  virtual Result<void> restore_host_for_dispatch(const Dispatch& d, int64_t now_ms) = 0;

  // ---- Heal (alert self-healing; src/heal). Every decision is written with
  // its event (and task) in one transaction by the caller. In a write
  // transaction the guardrail reads of a rule (active run, last run, runs in
  // a window, run statuses, breaker, resolve) make concurrent decisions about
  // that rule take turns, also across servers sharing a database.
  virtual Result<int64_t> insert_alert_event(const StoredAlertEvent& event) = 0;
  virtual Result<int64_t> insert_heal_record(const HealRecord& record) = 0;
  // The task of the newest `ran` record for (rule, host, fingerprint) while that
  // task is not done: a remediation of this very alert is still under way.
  virtual Result<std::optional<int64_t>> active_heal_task(std::string_view rule, std::string_view host,
                                                          std::string_view fingerprint) = 0;
  // created_ms of the newest `ran` record for (rule, host).
  virtual Result<std::optional<int64_t>> last_heal_run_ms(std::string_view rule, std::string_view host) = 0;
  // `ran` records of the rule created at or after since_ms.
  virtual Result<int64_t> count_heal_runs_since(std::string_view rule, int64_t since_ms) = 0;
  // Task host statuses of the rule's `ran` records created at or after
  // since_ms, newest first, at most `limit`.
  virtual Result<std::vector<HostStatus>> heal_run_statuses(std::string_view rule, int64_t since_ms, int limit) = 0;
  // On the newest unresolved `ran` record for (rule, host, fingerprint): sets
  // resolved_ms = now_ms and resolve_after_ms = now_ms - created_ms. Returns it
  // as updated, or nullopt when there is none.
  virtual Result<std::optional<HealRecord>> resolve_heal_run(std::string_view rule, std::string_view host,
                                                             std::string_view fingerprint, int64_t now_ms) = 0;
  // Newest first, task_status filled.
  virtual Result<std::vector<HealRecord>> list_heal_records(const HealRecordQuery& q) = 0;
  // Per (rule, task host status): runs, and how many resolved within
  // resolved_within_ms of their run.
  virtual Result<std::vector<HealRunTally>> heal_run_tallies(int64_t resolved_within_ms) = 0;
  virtual Result<std::vector<HealDecisionCount>> heal_decision_counts() = 0;
  virtual Result<std::optional<HealBreaker>> find_heal_breaker(std::string_view rule) = 0;
  // Inserts or replaces the rule's breaker row.
  virtual Result<void> put_heal_breaker(const HealBreaker& breaker) = 0;
  virtual Result<std::vector<HealBreaker>> list_heal_breakers() = 0;
  // API-managed templates and rules, by name. put inserts or replaces.
  virtual Result<void> put_heal_definition(HealDefinitionKind kind, std::string_view name, std::string_view body,
                                           int64_t now_ms) = 0;
  // Whether a row was deleted.
  virtual Result<bool> delete_heal_definition(HealDefinitionKind kind, std::string_view name) = 0;
  // By name.
  virtual Result<std::vector<HealDefinition>> list_heal_definitions(HealDefinitionKind kind) = 0;
  // True when an agent with this ident has ever run a dispatch here: one it
  // reported started, or one with a success or failed result. Scans the
  // dispatches of that host; called only for hosts whose agent is not connected.
  virtual Result<bool> host_has_run_dispatches(std::string_view host) = 0;

  // ---- Which kind of agent serves a host name. A host a native agent has
  // served is never served over the Ibex protocol (see dispatch/host_protocols.hpp).
  // Records `hosts` as served by a native agent; one already recorded keeps
  // its first time. One statement on PostgreSQL however many hosts.
  virtual Result<void> record_native_hosts(const std::vector<std::string>& hosts, int64_t now_ms) = 0;
  // The hosts among `hosts` that a native agent has served, in no particular order.
  virtual Result<std::vector<std::string>> native_hosts_among(const std::vector<std::string>& hosts) = 0;
  // ---- Users, sessions, API tokens, audit records: small tables written
  // once for both backends (store/auth_tx.cpp, store/audit_tx.cpp) over
  // query(), which only src/store calls. Runs one statement written for
  // PostgreSQL (see sql_query.hpp) with its parameters.
  virtual Result<SqlRows> query(std::string_view pg_sql, const std::vector<SqlValue>& params) = 0;

  // conflict when a user of that name exists.
  Result<int64_t> insert_user(const StoredUser& user);
  Result<std::optional<StoredUser>> find_user(std::string_view name);
  Result<std::optional<StoredUser>> find_user_by_id(int64_t id);
  // By name.
  Result<std::vector<StoredUser>> list_users();
  // Writes role, password_hash, disabled and updated_ms of the user `user.id`.
  // not_found when there is none.
  Result<void> update_user(const StoredUser& user);
  Result<int64_t> count_users();

  Result<void> insert_session(const StoredSession& session);
  Result<std::optional<StoredSession>> find_session(std::string_view id_hash);
  Result<void> touch_session(std::string_view id_hash, int64_t last_seen_ms, int64_t expires_ms);
  // Whether a session was deleted.
  Result<bool> delete_session(std::string_view id_hash);
  // How many were deleted: every session of the user (password changed, disabled).
  Result<int64_t> delete_user_sessions(int64_t user_id);
  Result<int64_t> delete_expired_sessions(int64_t now_ms);

  Result<int64_t> insert_token(const StoredToken& token);
  Result<std::optional<StoredToken>> find_token_by_hash(std::string_view hash);
  Result<std::optional<StoredToken>> find_token(int64_t id);
  // Newest first; user_id 0: everybody's.
  Result<std::vector<StoredToken>> list_tokens(int64_t user_id);
  // Whether a token that was not yet revoked is now.
  Result<bool> revoke_token(int64_t id, int64_t now_ms);
  Result<void> touch_token(int64_t id, int64_t now_ms);

  // Appends a record after the newest one: assigns seq, prev_hash and hash
  // (audit_chain.hpp) and returns it. On PostgreSQL the chain's head row is
  // locked until commit, so concurrent appends (across servers too) take
  // turns and the chain never forks. Three statements.
  Result<AuditRecord> append_audit(AuditRecord record);
  // Newest first (oldest first when q.after_seq is set), at most q.limit.
  Result<std::vector<AuditRecord>> list_audit(const AuditQuery& q);
  Result<AuditHead> audit_head();
  // Removes records older than before_ms, remembering where the kept chain
  // starts (AuditHead::pruned_*). Returns how many went. The newest record is
  // always kept, so the chain's head can be checked.
  Result<int64_t> prune_audit_before(int64_t before_ms);
};

// What the other servers sharing the database committed for agents, as they
// announced it with StoreTx::notify_peers. Notifications are a fast path, not
// a log: one can be missed while the feed is disconnected, so its user also
// checks open_dispatches_for_hosts now and then and after every reconnect.
//
// Threading: one thread at a time; independent of the Store's transactions
// (its own connection).
struct FeedBatch {
  std::vector<std::string> hosts;  // named by notifications, deduplicated
  bool all = false;                // a notification named too many hosts to list: check every one
  int notifications = 0;           // how many notifications this batch merges
};

class DispatchFeed {
 public:
  virtual ~DispatchFeed() = default;
  // Connects and starts listening if not connected. Errors: unavailable.
  virtual Result<void> connect() = 0;
  // The socket to wait on for readability while connected; -1 otherwise.
  virtual int socket() const = 0;
  // What has arrived, without blocking; notifications this store sent itself
  // are left out. unavailable when the connection is lost: call disconnect()
  // (after releasing any watch on socket()), then connect() again.
  virtual Result<FeedBatch> poll() = 0;
  // Closes the connection; socket() is -1 afterwards.
  virtual void disconnect() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  using TxFn = std::function<Result<void>(StoreTx&)>;
  // Runs fn in one write transaction: commits when fn returns ok, rolls back
  // otherwise (returning fn's error). fn may run more than once (a backend
  // retries after a serialization failure or deadlock), so it must not leave
  // effects outside the transaction until transact returns. Retries internally while the database is
  // busy; returns ErrorCode::unavailable if it stays busy.
  virtual Result<void> transact(const TxFn& fn) = 0;
  // Runs fn in a read-only snapshot.
  virtual Result<void> read(const TxFn& fn) = 0;
  // A feed of what other servers on this database announce, not yet
  // connected; null where one server owns the database (SQLite).
  virtual std::unique_ptr<DispatchFeed> open_dispatch_feed() { return nullptr; }
};

// Opens the store named by a URL: "sqlite:PATH" (PATH may be ":memory:"), or
// PostgreSQL as "postgresql://...", "postgres://..." or a libpq key=value string.
// Applies pending schema migrations. Errors: invalid_input for an unknown
// scheme, unavailable when the database cannot be opened or migrated.
Result<std::unique_ptr<Store>> open_store(const std::string& url);
// Whether another open_store(url) reaches the same data: false for SQLite's
// ":memory:", where each connection is a database of its own.
bool store_url_is_shared(const std::string& url);

}  // namespace mend
