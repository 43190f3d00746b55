#pragma once
// The task engine: every state change of a task is one Store transaction, and
// what it means for agents is pushed right after the commit.
//
// Threading: not thread-safe; the server calls it from one strand.
// Errors: not_found (unknown task/host/dispatch), conflict (action not allowed
// now, e.g. task already finished), invalid_input, unavailable (store busy).
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "engine/agent_push.hpp"
#include "engine/engine_metrics.hpp"
#include "proto/agent_messages.hpp"
#include "store/store.hpp"

namespace mend {

struct EngineOptions {
  // Ibex marks a host timeout this long after timeout_s has passed.
  int64_t timeout_grace_ms = 3000;
  // A host still killing this long after the kill (or its last output) is
  // marked killfailed: its agent is gone or cannot kill. Ibex leaves it
  // killing for ever, and the task unfinished. A late answer still counts.
  int64_t kill_deadline_ms = 60000;
  // Tasks whose last action is older than this are cancelled (Ibex: two weeks).
  int64_t stale_task_ms = 14LL * 24 * 3600 * 1000;
  // This server's name in task ownership. Stable across restarts, so a
  // restarted server takes its own tasks back at once.
  std::string server_id = "mend";
  // How long an owner's lease lasts without renewal; another server takes
  // over a task whose lease has expired.
  int64_t lease_ms = 15000;
  // How often tick() runs the invariant checks and repairs.
  int64_t repair_interval_ms = 5000;
  // Idempotency keys are kept this long.
  int64_t idempotency_ttl_ms = 24LL * 3600 * 1000;
  // With a continuation set (set_continuation), one transaction starts at most
  // this many hosts; the rest start in further transactions, and the server's
  // other work runs in between. A 100,000-host task created started would
  // otherwise hold the server's one thread for seconds.
  int64_t max_starts_per_transaction = 2000;
};

// One broken invariant found by the repair loop.
struct RepairFinding {
  std::string kind;  // e.g. task_without_action, busy_host_without_dispatch
  int64_t task_id = 0;
  std::string host;
  std::string detail;
  bool repaired = false;
};

// What the agent's result did, for the caller to log and acknowledge.
enum class ResultOutcome {
  applied,    // committed: status and output recorded
  duplicate,  // this dispatch already had its result: nothing changed
  stale,      // not the host's current dispatch (a redo superseded it): ignored
};

// A start or a final result reported by the agent of `host`.
struct AgentReport {
  std::string host;
  std::variant<proto::Started, proto::ResultMsg> message;
};

struct TaskView {
  Task task;
  std::vector<HostRun> hosts;
};

class Engine {
 public:
  Engine(Store& store, const Clock& clock, AgentPush& push, EngineMetrics& metrics,
         EngineOptions options = {});

  // Creates a task (spec already validated) with its hosts and action in one
  // transaction and dispatches its first batch if its action is start.
  Result<int64_t> create_task(const TaskSpec& spec);
  // The same, with `also` run in the same transaction after the task is
  // inserted (a heal record, an idempotency key): all of it commits or none.
  using AlsoFn = std::function<Result<void>(StoreTx& tx, int64_t task_id)>;
  Result<int64_t> create_task(const TaskSpec& spec, const AlsoFn& also);

  // Ibex task actions. conflict when the task is done.
  Result<void> task_action(int64_t task_id, TaskAction action);
  // Ibex per-host actions: ignore, kill (running/timeout only), redo.
  Result<void> host_action(int64_t task_id, const std::string& host, HostAction action);

  // From the agent of `from_host`. A result for another host's dispatch is
  // refused (invalid_input). Idempotent per dispatch.
  Result<ResultOutcome> apply_result(const std::string& from_host, const proto::ResultMsg& result);
  Result<void> apply_started(const std::string& from_host, const proto::Started& started);
  // Group commit: many agents' starts and results in one transaction (one
  // disk flush for all), each touched task scheduled once at the end. Each
  // report gets its own outcome, in order: a refused one (invalid_input, as
  // apply_result and apply_started refuse) does not stop the others; a store
  // failure fails the whole call and nothing is committed (agents re-send).
  // A start's outcome is `applied`.
  Result<std::vector<Result<ResultOutcome>>> apply_reports(const std::vector<AgentReport>& reports);
  Result<void> apply_output(const std::string& from_host, const proto::Output& output);

  // Every assignment and kill the agent of `host` should have now, in
  // dispatch order: the one answer to "what should host H run now", read
  // by a native agent's session when it connects, by the peer relay for work
  // another server dispatched, and by the Ibex assignment book when an Ibex
  // agent first reports. One read transaction of two statements however
  // many tasks the host has open.
  Result<std::vector<proto::Message>> pending_for_host(const std::string& host);

  // Periodic housekeeping (the server calls it about once a second): host
  // timeouts, the two-week cancel, and scheduling of any task that can move.
  // Returns the number of tasks changed.
  Result<int> tick();

  Result<TaskView> view(int64_t task_id);

  // Where scheduling that stopped at max_starts_per_transaction goes on: the
  // server posts `continue_task(id)` to its event loop, so other work runs
  // between the steps. Without one, every startable host starts at once.
  void set_continuation(std::function<void(int64_t task_id)> continuation) {
    continuation_ = std::move(continuation);
  }
  // Starts the next hosts of a task whose scheduling stopped at the cap (if
  // this server still holds it). Errors: unavailable.
  Result<void> continue_task(int64_t task_id);

  // Checks every invariant (see engine_repair.cpp); with apply, repairs what
  // it can in one transaction per finding and pushes what agents must get.
  // Findings are counted in metrics and logged.
  Result<std::vector<RepairFinding>> check_invariants(bool apply);

  const EngineOptions& options() const { return options_; }

 private:
  // Loads the task and hosts in `tx`, applies the scheduling rules (batch,
  // tolerance, pause list, done) and queues pushes for after the commit.
  Result<void> schedule(StoreTx& tx, int64_t task_id);
  // Starts a dispatch on each of `runs` (in one store call), updates them to
  // match and queues their assignments for after the commit.
  Result<void> dispatch_hosts(StoreTx& tx, const Task& task, const std::vector<HostRun*>& runs);
  // What the agent is sent to run dispatch `d` of `task` (built where
  // pending_for_host builds it, engine.cpp's make_assign).
  static proto::Assign assignment(const Task& task, const Dispatch& d);
  // What one apply_reports transaction reads up front and writes at the end:
  // the dispatches and host rows its reports name, changed here in report
  // order (so two reports about one dispatch in a batch see each other), then
  // written with one store call per kind of change.
  struct ReportWork {
    int64_t now = 0;
    std::unordered_map<int64_t, Dispatch> dispatches;
    std::map<std::pair<int64_t, std::string>, HostRun> hosts;  // by (task id, host)
    std::vector<int64_t> started;                                // dispatches to mark started
    std::vector<DispatchClose> closes;
    std::set<std::pair<int64_t, std::string>> changed_hosts;
    std::set<int64_t> touched;  // tasks to schedule
  };
  Result<ReportWork> load_report_work(StoreTx& tx, const std::vector<AgentReport>& reports);
  // One report, decided on `work`; invalid_input refuses it.
  Result<ResultOutcome> result_in(ReportWork& work, const std::string& from_host, const proto::ResultMsg& result);
  Result<ResultOutcome> started_in(ReportWork& work, const std::string& from_host, const proto::Started& started);
  // Kills `runs` (in one store call), updates them to match and queues a
  // kill for each that has a dispatch.
  Result<void> request_kills(StoreTx& tx, int64_t task_id, const std::vector<HostRun*>& runs);
  // Says in each timed-out host's stderr when its script never started.
  Result<void> explain_never_started(StoreTx& tx, int64_t task_id, const std::vector<HostRun*>& timed_out,
                                     int64_t now_ms);
  // Moves `runs`, all of one status, on by `event` (store/host_states.hpp)
  // in one store call, and updates them to match.
  Result<void> set_statuses(StoreTx& tx, int64_t task_id, const std::vector<HostRun*>& runs, HostEvent event);
  // Runs fn in one transaction; on commit emits the queued log lines and
  // pushes. The hosts pushed to are announced to the other servers sharing
  // the database in the same transaction (StoreTx::notify_peers).
  Result<void> commit(const Store::TxFn& fn);
  void flush_pushes();
  void log_after_commit(std::string line);
  // Ownership: renew, take back our own tasks after a restart, take over
  // expired leases. Returns the tasks this server now holds.
  // Ownership: renew our leases, take back our own tasks after a restart,
  // take over expired leases, forget tasks that finished or moved.
  Result<void> maintain_leases();
  // Whether this server still holds task_id at the epoch it took it with.
  Result<bool> holds_lease(StoreTx& tx, int64_t task_id);
  Result<void> tick_task(int64_t task_id);
  Result<void> repair_one(const RepairFinding& f, StoreTx& tx);

  Store& store_;
  const Clock& clock_;
  AgentPush& push_;
  EngineMetrics& metrics_;
  EngineOptions options_;

  struct PendingPush {
    std::string host;
    proto::Message message;
  };
  std::vector<PendingPush> pending_;       // filled inside a transaction, sent after commit
  std::vector<std::string> pending_logs_;  // likewise: never log what did not commit
  std::set<int64_t> pending_continue_;     // likewise: tasks that stopped at the start cap
  std::function<void(int64_t)> continuation_;
  std::unordered_map<int64_t, int64_t> sent_us_;  // dispatch id -> monotonic send time
  std::unordered_map<int64_t, int64_t> held_;     // task id -> epoch this server holds
  bool reclaimed_own_ = false;                    // took our own tasks back since start
  int64_t last_repair_ms_ = 0;
  int64_t last_idempotency_prune_ms_ = 0;
};

}  // namespace mend
