// The repair loop: named invariants, checked continually, repaired where the
// database still says enough to repair, and counted by kind.
//
//   task_without_action            an unfinished task has its action row (the
//                                  Ibex "record not found": the task never ran)
//   busy_host_without_dispatch     a running/killing host has an open dispatch
//   dispatch_without_busy_host     an open dispatch belongs to a busy host row
//   wrong_done_flag                a task is done exactly when no host is
//                                  waiting, running or killing
//   task_without_owner             (in maintain_leases) an unfinished task has an owner
#include <spdlog/spdlog.h>

#include "engine/engine.hpp"

namespace mend {

namespace {
RepairFinding finding(std::string kind, int64_t task_id, std::string host, std::string detail) {
  return RepairFinding{std::move(kind), task_id, std::move(host), std::move(detail), false};
}
}  // namespace

Result<std::vector<RepairFinding>> Engine::check_invariants(bool apply) {
  std::vector<RepairFinding> findings;
  MEND_TRY(store_.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(std::vector<int64_t> no_action, tx.tasks_without_action());
    for (int64_t id : no_action)
      findings.push_back(finding("task_without_action", id, "", "unfinished task has no action row"));
    MEND_ASSIGN_OR_RETURN(std::vector<HostRun> busy, tx.busy_hosts_without_open_dispatch());
    for (auto& h : busy)
      findings.push_back(finding("busy_host_without_dispatch", h.task_id, h.host,
                                 std::string(to_string(h.status)) + " host has no open dispatch " +
                                     std::to_string(h.dispatch_id)));
    MEND_ASSIGN_OR_RETURN(std::vector<Dispatch> open, tx.open_dispatches_without_busy_host());
    for (auto& d : open)
      findings.push_back(finding("dispatch_without_busy_host", d.task_id, d.host,
                                 "open dispatch " + std::to_string(d.id) + " is not a busy host's current dispatch"));
    MEND_ASSIGN_OR_RETURN(auto wrong_done, tx.tasks_with_wrong_done_flag());
    for (auto& [id, should] : wrong_done)
      findings.push_back(finding("wrong_done_flag", id, "", should ? "no host left to run but not done" : "done but hosts still unfinished"));
    return ok();
  }));

  for (auto& f : findings) {
    ++metrics_.repair_findings[f.kind];
    if (!apply) continue;
    auto r = commit([&](StoreTx& tx) -> Result<void> { return repair_one(f, tx); });
    if (r.ok()) {
      f.repaired = true;
      ++metrics_.repairs_applied[f.kind];
      spdlog::warn("task={} host={} repaired {}: {}", f.task_id, f.host, f.kind, f.detail);
    } else {
      spdlog::error("task={} host={} could not repair {}: {} ({})", f.task_id, f.host, f.kind, f.detail,
                    r.error().message);
    }
  }
  if (!findings.empty() && !apply)
    for (auto& f : findings) spdlog::warn("task={} host={} invariant broken {}: {}", f.task_id, f.host, f.kind, f.detail);
  return findings;
}

Result<void> Engine::repair_one(const RepairFinding& f, StoreTx& tx) {
  int64_t now = clock_.now_ms();
  if (f.kind == "task_without_action") {
    // A task that already dispatched hosts had been started; one that did
    // not is restored paused, so repair never starts what nobody started.
    MEND_ASSIGN_OR_RETURN(std::vector<HostRun> hosts, tx.task_hosts(f.task_id));
    bool started = std::any_of(hosts.begin(), hosts.end(), [](const HostRun& h) { return h.dispatch_id != 0; });
    MEND_TRY(tx.set_action(f.task_id, started ? TaskAction::start : TaskAction::pause, now));
    return schedule(tx, f.task_id);
  }
  if (f.kind == "busy_host_without_dispatch") {
    MEND_ASSIGN_OR_RETURN(std::optional<HostRun> run, tx.find_host(f.task_id, f.host));
    if (!run || !is_busy(run->status)) return ok();
    std::optional<Dispatch> d;
    if (run->dispatch_id != 0) {
      MEND_ASSIGN_OR_RETURN(d, tx.find_dispatch(run->dispatch_id));
    }
    if (d && d->finished_ms != 0) {
      // The dispatch has its result but the host row missed it: apply it.
      if (auto applied = next_host_status(run->status, HostEvent::result, parse_host_status(d->result)); applied.ok()) {
        run->status = *applied;
      } else {
        MEND_ASSIGN_OR_RETURN(run->status, next_host_status(run->status, HostEvent::lost));
        run->stderr_text += "\nmend: dispatch closed as '" + d->result + "' but the host was still running";
      }
      run->updated_ms = now;
      MEND_TRY(tx.update_host(*run));
      return schedule(tx, f.task_id);
    }
    MEND_ASSIGN_OR_RETURN(std::optional<Task> task, tx.find_task(f.task_id));
    if (!task) return make_error(ErrorCode::not_found, "no such task");
    if (run->dispatch_id != 0) {
      // Restore the row under its original id: an agent that already ran it
      // reports under that id, and one that did not gets it once.
      Dispatch restored;
      restored.id = run->dispatch_id;
      restored.task_id = f.task_id;
      restored.host = f.host;
      restored.attempt = 1;
      restored.created_ms = run->dispatched_ms ? run->dispatched_ms : now;
      restored.kill_requested = run->status == HostStatus::killing;
      MEND_TRY(tx.restore_dispatch(restored));
      if (run->status == HostStatus::killing) {
        pending_.push_back({f.host, proto::Kill{restored.id, f.task_id}});
      } else {
        // With the task's environment: a restored alert remediation still
        // sees its MEND_ALERT_* variables.
        pending_.push_back({f.host, assignment(*task, restored)});
      }
      return ok();
    }
    // Busy without any dispatch: never sent. Queue it now.
    return dispatch_hosts(tx, *task, {&*run});
  }
  if (f.kind == "dispatch_without_busy_host") {
    // Find the dispatch again inside this transaction.
    MEND_ASSIGN_OR_RETURN(std::optional<HostRun> run, tx.find_host(f.task_id, f.host));
    MEND_ASSIGN_OR_RETURN(std::vector<OpenDispatch> open, tx.open_dispatches_for_host(f.host));
    for (auto& od : open) {
      if (od.dispatch.task_id != f.task_id) continue;
      if (!run) {
        // The host row is gone but the dispatch says it was running: put it back.
        MEND_TRY(tx.restore_host_for_dispatch(od.dispatch, now));
        MEND_ASSIGN_OR_RETURN(std::optional<Task> task, tx.find_task(f.task_id));
        if (task && task->done) MEND_TRY(tx.set_done(f.task_id, false));
        continue;
      }
      // The same rule as the query that found it (keeps_dispatch_open): a
      // killfailed host's dispatch stays open for the kill's late answer.
      bool kept_open = run->dispatch_id == od.dispatch.id && keeps_dispatch_open(run->status);
      if (!kept_open) MEND_TRY(tx.close_dispatch(od.dispatch.id, "closed_by_repair", now));
    }
    return schedule(tx, f.task_id);
  }
  if (f.kind == "wrong_done_flag") {
    MEND_ASSIGN_OR_RETURN(std::vector<HostRun> hosts, tx.task_hosts(f.task_id));
    bool should_be_done = std::none_of(hosts.begin(), hosts.end(), [](const HostRun& h) { return is_unfinished(h.status); });
    MEND_TRY(tx.set_done(f.task_id, should_be_done));
    if (!should_be_done) return schedule(tx, f.task_id);
    return ok();
  }
  return make_error(ErrorCode::internal, "no repair for " + f.kind);
}

}  // namespace mend
