#include "engine/engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/failpoint.hpp"
#include "common/log_text.hpp"
#include "common/strings.hpp"
#include "engine/reported_status.hpp"

namespace mend {

namespace {

Error task_not_found() { return make_error(ErrorCode::not_found, "no such task"); }
Error host_not_found() { return make_error(ErrorCode::not_found, "no such host"); }
Error task_finished() {
  // Ibex's exact words: Nightingale shows them to the user.
  return make_error(ErrorCode::conflict, "task already finished, no more action can do");
}

std::vector<HostRun*> pointers_to(std::vector<HostRun>& runs) {
  std::vector<HostRun*> out;
  out.reserve(runs.size());
  for (HostRun& run : runs) out.push_back(&run);
  return out;
}

std::vector<std::string> host_names(const std::vector<HostRun*>& runs) {
  std::vector<std::string> out;
  out.reserve(runs.size());
  for (const HostRun* run : runs) out.push_back(run->host);
  return out;
}

// next_host_status's refusals say "host is running; ...": name the host.
Error about_host(Error e, const std::string& host) {
  if (e.message.rfind("host is ", 0) == 0) e.message = "host " + host + e.message.substr(4);
  return e;
}

}  // namespace

Engine::Engine(Store& store, const Clock& clock, AgentPush& push, EngineMetrics& metrics,
               EngineOptions options)
    : store_(store), clock_(clock), push_(push), metrics_(metrics), options_(options) {}

Result<void> Engine::commit(const Store::TxFn& fn) {
  // A backend may run fn again after a serialization failure: start each
  // run with nothing queued, so only the attempt that committed is pushed.
  auto r = store_.transact([&](StoreTx& tx) -> Result<void> {
    pending_.clear();
    pending_logs_.clear();
    pending_continue_.clear();
    MEND_TRY(fn(tx));
    if (pending_.empty()) return ok();
    // Agents of these hosts may be connected to another server sharing the
    // database: tell them, in this transaction (one notification at commit).
    std::vector<std::string> hosts;
    hosts.reserve(pending_.size());
    for (const auto& p : pending_) hosts.push_back(p.host);
    return tx.notify_peers(hosts);
  });
  if (!r.ok()) {
    pending_.clear();
    pending_logs_.clear();
    pending_continue_.clear();
    return r;
  }
  for (const auto& line : pending_logs_) spdlog::info("{}", line);
  pending_logs_.clear();
  // Crash tests die here: committed, nothing sent yet. The agent must still
  // get its dispatch (on reconnect, from pending_for_host) exactly once.
  failpoint("server.after_commit_before_push");
  flush_pushes();
  auto next = std::move(pending_continue_);
  pending_continue_.clear();
  for (int64_t id : next) continuation_(id);
  return ok();
}

void Engine::flush_pushes() {
  auto pushes = std::move(pending_);
  pending_.clear();
  for (auto& p : pushes) {
    if (auto* a = std::get_if<proto::Assign>(&p.message)) {
      sent_us_[a->dispatch_id] = clock_.monotonic_us();
      push_.push_assign(p.host, *a);
    } else if (auto* k = std::get_if<proto::Kill>(&p.message)) {
      push_.push_kill(p.host, *k);
    }
  }
}

void Engine::log_after_commit(std::string line) { pending_logs_.push_back(std::move(line)); }

Result<int64_t> Engine::create_task(const TaskSpec& spec) { return create_task(spec, nullptr); }

Result<int64_t> Engine::create_task(const TaskSpec& spec, const AlsoFn& also) {
  int64_t id = 0;
  MEND_TRY(commit([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(id, tx.insert_task(spec, clock_.now_ms()));
    MEND_ASSIGN_OR_RETURN(bool owned, tx.take_lease(id, options_.server_id, 0, clock_.now_ms() + options_.lease_ms));
    if (!owned) return make_error(ErrorCode::internal, "new task " + std::to_string(id) + " already has an owner");
    if (also) MEND_TRY(also(tx, id));
    log_after_commit("task=" + std::to_string(id) + " created hosts=" + std::to_string(spec.hosts.size()) +
                     " action=" + std::string(to_string(spec.action)) + " creator=" + log_safe(spec.creator));
    if (spec.action == TaskAction::start) return schedule(tx, id);
    return ok();
  }));
  ++metrics_.tasks_created;
  held_[id] = 1;
  return id;
}

namespace {

// The one place an Assign is built: a dispatch plus what its task runs.
// `What` is the task's spec (at dispatch) or an open dispatch's join with its
// task (on reconnect); both name the fields alike, so a field added to the
// message is added here once and reaches both paths.
template <class What>
proto::Assign make_assign(const Dispatch& d, const What& what) {
  proto::Assign a;
  a.dispatch_id = d.id;
  a.task_id = d.task_id;
  a.host = d.host;
  a.script = what.script;
  a.args = what.args;
  a.account = what.account;
  a.stdin_text = what.stdin_text;
  a.timeout_s = what.timeout_s;
  a.env = what.env;
  return a;
}

}  // namespace

proto::Assign Engine::assignment(const Task& task, const Dispatch& d) { return make_assign(d, task.spec); }

Result<void> Engine::dispatch_hosts(StoreTx& tx, const Task& task, const std::vector<HostRun*>& runs) {
  if (runs.empty()) return ok();
  int64_t now = clock_.now_ms();
  MEND_ASSIGN_OR_RETURN(std::vector<Dispatch> started, tx.start_dispatches(task.id, host_names(runs), now));
  for (size_t i = 0; i < runs.size(); ++i) {
    HostRun& run = *runs[i];
    const Dispatch& d = started[i];
    // What start_dispatches wrote, so the caller's copy agrees with the row:
    // HostEvent::dispatch, from waiting (the scheduler), a finished status
    // (a redo, checked by host_action) or running (repair re-sending a busy
    // host that never had a dispatch).
    run.status = HostStatus::running;
    run.dispatch_id = d.id;
    run.dispatched_ms = now;
    run.stdout_text.clear();
    run.stderr_text.clear();
    run.exit_code.reset();
    run.updated_ms = now;
    pending_.push_back({run.host, assignment(task, d)});
    ++metrics_.dispatches;
    log_after_commit("task=" + std::to_string(task.id) + " host=" + run.host + " dispatched dispatch=" +
                     std::to_string(d.id) + " attempt=" + std::to_string(d.attempt));
  }
  return ok();
}

Result<void> Engine::request_kills(StoreTx& tx, int64_t task_id, const std::vector<HostRun*>& runs) {
  if (runs.empty()) return ok();
  int64_t now = clock_.now_ms();
  std::vector<HostStatus> next;
  for (HostRun* run : runs) {
    auto status = next_host_status(run->status, HostEvent::kill);
    if (!status.ok()) return about_host(status.error(), run->host);
    next.push_back(*status);
  }
  MEND_TRY(tx.kill_hosts(task_id, host_names(runs), now));
  for (size_t i = 0; i < runs.size(); ++i) {
    HostRun* run = runs[i];
    run->status = next[i];
    run->updated_ms = now;
    if (run->dispatch_id != 0) {
      pending_.push_back({run->host, proto::Kill{run->dispatch_id, task_id}});
      ++metrics_.kills_sent;
    }
    log_after_commit("task=" + std::to_string(task_id) + " host=" + run->host + " killing dispatch=" +
                     std::to_string(run->dispatch_id));
  }
  return ok();
}

// A host that timed out before any agent said it started the script (no
// agent connected as it, or a typo in the host name) says so in its stderr;
// otherwise "timeout" has no reason. Reads only the timed-out dispatches.
Result<void> Engine::explain_never_started(StoreTx& tx, int64_t task_id, const std::vector<HostRun*>& timed_out,
                                          int64_t now_ms) {
  std::vector<int64_t> ids;
  for (const HostRun* run : timed_out)
    if (run->dispatch_id != 0) ids.push_back(run->dispatch_id);
  if (ids.empty()) return ok();
  MEND_ASSIGN_OR_RETURN(std::vector<Dispatch> dispatches, tx.find_dispatches(ids));
  for (const Dispatch& d : dispatches) {
    if (d.started_ms != 0) continue;
    MEND_ASSIGN_OR_RETURN(bool changed, tx.update_host_output(task_id, d.host, d.id, "",
                                                             "mend: timeout: the script never started: no agent connected as " +
                                                                 d.host + " took it\n",
                                                             now_ms));
    (void)changed;
  }
  return ok();
}

Result<void> Engine::set_statuses(StoreTx& tx, int64_t task_id, const std::vector<HostRun*>& runs,
                                  HostEvent event) {
  if (runs.empty()) return ok();
  // One statement for all: the callers pass hosts of one status, so the
  // event takes them all to the same one.
  std::optional<HostStatus> status;
  for (const HostRun* run : runs) {
    auto next = next_host_status(run->status, event);
    if (!next.ok()) return about_host(next.error(), run->host);
    if (status && *next != *status)
      return make_error(ErrorCode::internal, "hosts of different statuses in one " + std::string(to_string(event)));
    status = *next;
  }
  int64_t now = clock_.now_ms();
  MEND_TRY(tx.set_host_statuses(task_id, host_names(runs), *status, now));
  for (HostRun* run : runs) {
    run->status = *status;
    run->updated_ms = now;
  }
  return ok();
}

Result<void> Engine::schedule(StoreTx& tx, int64_t task_id) {
  MEND_ASSIGN_OR_RETURN(std::optional<Task> found, tx.find_task(task_id));
  if (!found) return task_not_found();
  Task& task = *found;
  if (task.done) return ok();
  // Counts, not rows: this runs after every batch of reports, and reading a
  // 10,000-host task's rows with their outputs each time would cost more
  // than the reports themselves.
  MEND_ASSIGN_OR_RETURN(auto counts, tx.host_status_counts(task_id));
  int64_t failures = 0, busy = 0, waiting = 0, unfinished = 0;
  for (const auto& [status, n] : counts) {
    if (counts_as_failure(status)) failures += n;
    if (is_busy(status)) busy += n;
    if (status == HostStatus::waiting) waiting += n;
    if (is_unfinished(status)) unfinished += n;
  }

  // Tolerance: more failures than allowed pause the task.
  if (task.action == TaskAction::start && failures > task.spec.tolerance) {
    task.action = TaskAction::pause;
    MEND_TRY(tx.set_action(task_id, TaskAction::pause, clock_.now_ms()));
    log_after_commit("task=" + std::to_string(task_id) + " paused: " + std::to_string(failures) +
                     " failures exceed tolerance " + std::to_string(task.spec.tolerance));
  }

  if (task.action == TaskAction::start && waiting > 0) {
    int64_t slots = task.spec.batch == 0 ? waiting : task.spec.batch - busy;
    if (continuation_ && slots > options_.max_starts_per_transaction) {
      // The rest after the commit, in steps, with the server's other work between them.
      slots = options_.max_starts_per_transaction;
      pending_continue_.insert(task_id);
    }
    if (slots > 0) {
      MEND_ASSIGN_OR_RETURN(std::vector<HostRun> next, tx.hosts_in_status(task_id, HostStatus::waiting, slots));
      std::set<std::string> pause_hosts;
      for (auto& p : split_nonempty(task.spec.pause, ",")) pause_hosts.insert(p);
      std::vector<HostRun*> to_dispatch;
      const HostRun* pause_host = nullptr;
      for (auto& run : next) {
        to_dispatch.push_back(&run);
        if (pause_hosts.count(run.host)) {
          // Ibex: dispatching a host on the pause list dispatches no further host.
          pause_host = &run;
          break;
        }
      }
      // All of them at once: on PostgreSQL one round trip for the whole batch.
      MEND_TRY(dispatch_hosts(tx, task, to_dispatch));
      if (pause_host != nullptr) {
        task.action = TaskAction::pause;
        MEND_TRY(tx.set_action(task_id, TaskAction::pause, clock_.now_ms()));
        log_after_commit("task=" + std::to_string(task_id) + " host=" + pause_host->host +
                         " paused: host on pause list");
      }
    }
  }

  // Dispatching turns waiting hosts into running ones: still unfinished.
  if (unfinished == 0) {
    MEND_TRY(tx.set_done(task_id, true));
    log_after_commit("task=" + std::to_string(task_id) + " done");
  }
  return ok();
}

Result<void> Engine::task_action(int64_t task_id, TaskAction action) {
  return commit([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(std::optional<Task> task, tx.find_task(task_id));
    if (!task) return task_not_found();
    if (task->done) return task_finished();
    int64_t now = clock_.now_ms();
    MEND_TRY(tx.set_action(task_id, action, now));
    log_after_commit("task=" + std::to_string(task_id) + " action=" + std::string(to_string(action)));
    if (action == TaskAction::cancel || action == TaskAction::kill) {
      // Whole groups at once: a task on 10,000 hosts is a few statements.
      MEND_ASSIGN_OR_RETURN(std::vector<HostRun> waiting, tx.hosts_in_status(task_id, HostStatus::waiting, 0));
      MEND_TRY(set_statuses(tx, task_id, pointers_to(waiting), HostEvent::cancel));
      if (action == TaskAction::kill) {
        MEND_ASSIGN_OR_RETURN(std::vector<HostRun> running, tx.hosts_in_status(task_id, HostStatus::running, 0));
        MEND_TRY(request_kills(tx, task_id, pointers_to(running)));
      }
    }
    return schedule(tx, task_id);
  });
}

Result<void> Engine::host_action(int64_t task_id, const std::string& host, HostAction action) {
  return commit([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(std::optional<Task> task, tx.find_task(task_id));
    if (!task) return task_not_found();
    if (task->done) return task_finished();
    MEND_ASSIGN_OR_RETURN(std::optional<HostRun> run, tx.find_host(task_id, host));
    if (!run) return host_not_found();
    int64_t now = clock_.now_ms();
    log_after_commit("task=" + std::to_string(task_id) + " host=" + host + " host_action=" +
                     std::string(to_string(action)));
    switch (action) {
      case HostAction::ignore: {
        auto next = next_host_status(run->status, HostEvent::ignore);
        if (!next.ok()) return about_host(next.error(), host);
        run->status = *next;
        run->updated_ms = now;
        MEND_TRY(tx.update_host(*run));
        break;
      }
      case HostAction::kill:
        MEND_TRY(request_kills(tx, task_id, {&*run}));
        break;
      case HostAction::redo:
        if (auto next = next_host_status(run->status, HostEvent::dispatch); !next.ok())
          return about_host(next.error(), host);
        if (run->dispatch_id != 0) {
          // The previous attempt may still report (a timed-out script): its
          // result must not count for the new attempt.
          MEND_ASSIGN_OR_RETURN(std::optional<Dispatch> old, tx.find_dispatch(run->dispatch_id));
          if (old && old->finished_ms == 0) MEND_TRY(tx.close_dispatch(old->id, "superseded", now));
        }
        MEND_TRY(dispatch_hosts(tx, *task, {&*run}));
        break;
    }
    return schedule(tx, task_id);
  });
}

Result<ResultOutcome> Engine::apply_result(const std::string& from_host, const proto::ResultMsg& result) {
  MEND_ASSIGN_OR_RETURN(auto outcomes, apply_reports({AgentReport{from_host, result}}));
  return std::move(outcomes.front());
}

Result<void> Engine::apply_started(const std::string& from_host, const proto::Started& started) {
  MEND_ASSIGN_OR_RETURN(auto outcomes, apply_reports({AgentReport{from_host, started}}));
  if (!outcomes.front().ok()) return outcomes.front().error();
  return ok();
}

Result<std::vector<Result<ResultOutcome>>> Engine::apply_reports(const std::vector<AgentReport>& reports) {
  // The dispatch-to-start latency is what the agent saw, committed or not.
  for (const auto& rep : reports) {
    auto* s = std::get_if<proto::Started>(&rep.message);
    if (!s) continue;
    if (auto sent = sent_us_.find(s->dispatch_id); sent != sent_us_.end()) {
      metrics_.dispatch_to_start.observe(static_cast<double>(clock_.monotonic_us() - sent->second) / 1e6);
      sent_us_.erase(sent);
    }
  }
  std::vector<Result<ResultOutcome>> outcomes;
  MEND_TRY(commit([&](StoreTx& tx) -> Result<void> {
    outcomes.clear();
    MEND_ASSIGN_OR_RETURN(ReportWork work, load_report_work(tx, reports));
    for (const auto& rep : reports) {
      // A refused report changes nothing and is its own answer.
      outcomes.push_back(std::holds_alternative<proto::ResultMsg>(rep.message)
                             ? result_in(work, rep.host, std::get<proto::ResultMsg>(rep.message))
                             : started_in(work, rep.host, std::get<proto::Started>(rep.message)));
    }
    // One call per kind of write, however many reports: on PostgreSQL a
    // fan-out's results cost a few round trips per batch, not several per host.
    // A dispatch that started and finished within the batch is written once,
    // by its close (started_in queues only open dispatches, so one closed now
    // was closed by this batch).
    std::erase_if(work.started, [&](int64_t id) { return work.dispatches.at(id).finished_ms != 0; });
    MEND_TRY(tx.mark_dispatches_started(work.started, work.now));
    MEND_TRY(tx.close_dispatches(work.closes, work.now));
    std::vector<HostRun> changed;
    changed.reserve(work.changed_hosts.size());
    for (const auto& key : work.changed_hosts) changed.push_back(work.hosts.at(key));
    MEND_TRY(tx.update_hosts(changed));
    // Once per task, however many of its hosts reported: scheduling reads
    // every host of the task.
    for (int64_t id : work.touched) MEND_TRY(schedule(tx, id));
    return ok();
  }));
  for (size_t i = 0; i < reports.size(); ++i) {
    auto* r = std::get_if<proto::ResultMsg>(&reports[i].message);
    if (!r || !outcomes[i].ok()) continue;
    switch (*outcomes[i]) {
      case ResultOutcome::applied: ++metrics_.results_applied; break;
      case ResultOutcome::duplicate: ++metrics_.results_duplicate; break;
      case ResultOutcome::stale: ++metrics_.results_stale; break;
    }
    sent_us_.erase(r->dispatch_id);
  }
  return outcomes;
}

Result<Engine::ReportWork> Engine::load_report_work(StoreTx& tx, const std::vector<AgentReport>& reports) {
  ReportWork work;
  work.now = clock_.now_ms();
  std::vector<int64_t> ids;
  ids.reserve(reports.size());
  for (const auto& rep : reports) {
    std::visit([&](const auto& m) { ids.push_back(m.dispatch_id); }, rep.message);
  }
  MEND_ASSIGN_OR_RETURN(std::vector<Dispatch> found, tx.find_dispatches(ids));
  for (Dispatch& d : found) work.dispatches.emplace(d.id, std::move(d));
  // The host rows results may change: those of dispatches their agent owns.
  std::vector<HostKey> keys;
  std::set<std::pair<int64_t, std::string>> seen;
  for (const auto& rep : reports) {
    auto* r = std::get_if<proto::ResultMsg>(&rep.message);
    if (!r) continue;
    auto d = work.dispatches.find(r->dispatch_id);
    if (d == work.dispatches.end() || d->second.host != rep.host) continue;
    if (seen.emplace(d->second.task_id, d->second.host).second) keys.push_back({d->second.task_id, d->second.host});
  }
  MEND_ASSIGN_OR_RETURN(std::vector<HostRun> runs, tx.find_hosts(keys));
  for (HostRun& run : runs) {
    std::pair<int64_t, std::string> key(run.task_id, run.host);
    work.hosts.emplace(std::move(key), std::move(run));
  }
  return work;
}

Result<ResultOutcome> Engine::result_in(ReportWork& work, const std::string& from_host,
                                        const proto::ResultMsg& result) {
  const HostStatus status = reported_status(result.status);
  auto found = work.dispatches.find(result.dispatch_id);
  // Unknown here (a database restored from backup?): acknowledge so the
  // agent stops re-sending, and record nothing.
  if (found == work.dispatches.end()) return ResultOutcome::stale;
  Dispatch& d = found->second;
  if (d.host != from_host)
    return make_error(ErrorCode::invalid_input, "dispatch " + std::to_string(d.id) + " belongs to host " + d.host);
  if (d.finished_ms != 0) return ResultOutcome::duplicate;
  // Changed here too, so a second report of it in this batch is a duplicate.
  d.finished_ms = work.now;
  d.result = proto::to_string(result.status);
  // Started in this batch (or recorded as started this very millisecond,
  // where the close's "only when none is recorded" changes nothing).
  work.closes.push_back({d.id, d.result, d.started_ms == work.now});
  auto host = work.hosts.find({d.task_id, d.host});
  if (host == work.hosts.end() || host->second.dispatch_id != d.id) return ResultOutcome::stale;
  HostRun& run = host->second;
  MEND_ASSIGN_OR_RETURN(run.status, next_host_status(run.status, HostEvent::result, status));
  run.stdout_text = result.stdout_text;
  run.stderr_text = result.stderr_text;
  if (result.exit_code >= 0) run.exit_code = result.exit_code;  // -1: the agent did not say
  if (!result.message.empty()) {
    if (!run.stderr_text.empty() && run.stderr_text.back() != '\n') run.stderr_text += '\n';
    run.stderr_text += "mend-agent: " + result.message;
  }
  run.updated_ms = work.now;
  work.changed_hosts.insert(host->first);
  log_after_commit("task=" + std::to_string(d.task_id) + " host=" + d.host + " result=" + d.result +
                   " dispatch=" + std::to_string(d.id) + " status=" + std::string(to_string(run.status)));
  work.touched.insert(d.task_id);
  return ResultOutcome::applied;
}

Result<ResultOutcome> Engine::started_in(ReportWork& work, const std::string& from_host,
                                         const proto::Started& started) {
  auto found = work.dispatches.find(started.dispatch_id);
  if (found == work.dispatches.end()) return ResultOutcome::applied;
  Dispatch& d = found->second;
  if (d.host != from_host)
    return make_error(ErrorCode::invalid_input, "dispatch " + std::to_string(d.id) + " belongs to host " + d.host);
  if (d.started_ms == 0 && d.finished_ms == 0) {
    d.started_ms = work.now;
    work.started.push_back(d.id);
  }
  log_after_commit("task=" + std::to_string(d.task_id) + " host=" + d.host + " started dispatch=" +
                   std::to_string(d.id));
  return ResultOutcome::applied;
}

Result<void> Engine::apply_output(const std::string& from_host, const proto::Output& output) {
  return commit([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(std::optional<Dispatch> d, tx.find_dispatch(output.dispatch_id));
    if (!d || d->finished_ms != 0) return ok();
    if (d->host != from_host)
      return make_error(ErrorCode::invalid_input, "dispatch " + std::to_string(d->id) + " belongs to host " + d->host);
    MEND_ASSIGN_OR_RETURN(bool changed, tx.update_host_output(d->task_id, d->host, d->id, output.stdout_text,
                                                             output.stderr_text, clock_.now_ms()));
    (void)changed;
    return ok();
  });
}

Result<std::vector<proto::Message>> Engine::pending_for_host(const std::string& host) {
  std::vector<proto::Message> out;
  MEND_TRY(store_.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(std::vector<OpenDispatch> open, tx.open_dispatches_for_host(host));
    if (open.empty()) return ok();
    // The host rows of all of them in one call, not one query per dispatch.
    std::set<int64_t> task_ids;
    for (const auto& od : open) task_ids.insert(od.dispatch.task_id);
    std::vector<HostKey> keys;
    for (int64_t id : task_ids) keys.push_back(HostKey{id, host});
    MEND_ASSIGN_OR_RETURN(std::vector<HostRun> runs, tx.find_hosts(keys));
    std::map<int64_t, const HostRun*> run_of;
    for (const auto& r : runs) run_of[r.task_id] = &r;
    for (auto& od : open) {
      auto found = run_of.find(od.dispatch.task_id);
      if (found == run_of.end() || found->second->dispatch_id != od.dispatch.id) continue;
      const HostRun& run = *found->second;
      if (od.dispatch.kill_requested || run.status == HostStatus::killing) {
        out.push_back(proto::Kill{od.dispatch.id, od.dispatch.task_id});
      } else if (run.status == HostStatus::running) {
        out.push_back(make_assign(od.dispatch, od));
      }
      // A host already marked timeout is not started late: if its agent ran
      // the dispatch, the spooled result still arrives on its own.
    }
    return ok();
  }));
  for (auto& m : out)
    if (auto* a = std::get_if<proto::Assign>(&m)) sent_us_.try_emplace(a->dispatch_id, clock_.monotonic_us());
  return out;
}

Result<int> Engine::tick() {
  int64_t now = clock_.now_ms();
  auto leases = maintain_leases();
  if (!leases.ok()) spdlog::warn("lease maintenance failed: {}", leases.error().message);

  std::vector<int64_t> ids;
  ids.reserve(held_.size());
  for (auto& [id, epoch] : held_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  int changed = 0;
  for (int64_t id : ids) {
    // One transaction per task: a failure on one task does not hold up the others.
    auto r = tick_task(id);
    if (!r.ok()) spdlog::warn("task={} tick failed: {}", id, r.error().message);
    else ++changed;
  }

  if (now - last_repair_ms_ >= options_.repair_interval_ms) {
    last_repair_ms_ = now;
    auto findings = check_invariants(true);
    if (!findings.ok()) spdlog::warn("invariant check failed: {}", findings.error().message);
  }
  if (now - last_idempotency_prune_ms_ >= 60'000) {
    last_idempotency_prune_ms_ = now;
    auto pruned = store_.transact([&](StoreTx& tx) -> Result<void> {
      MEND_ASSIGN_OR_RETURN(int64_t n, tx.delete_idempotency_keys_before(now - options_.idempotency_ttl_ms));
      (void)n;
      return ok();
    });
    if (!pruned.ok()) spdlog::warn("idempotency key pruning failed: {}", pruned.error().message);
  }
  return changed;
}

Result<bool> Engine::holds_lease(StoreTx& tx, int64_t task_id) {
  auto held = held_.find(task_id);
  if (held == held_.end()) return false;
  MEND_ASSIGN_OR_RETURN(std::optional<TaskLease> lease, tx.task_lease(task_id));
  return lease && lease->owner == options_.server_id && lease->epoch == held->second;
}

Result<void> Engine::maintain_leases() {
  int64_t now = clock_.now_ms();
  int64_t expires = now + options_.lease_ms;
  std::vector<std::pair<int64_t, int64_t>> taken;  // task id, epoch
  std::vector<int64_t> finished_or_lost;
  MEND_TRY(store_.transact([&](StoreTx& tx) -> Result<void> {
    taken.clear();
    if (!reclaimed_own_) {
      // After a restart: our own tasks come back at once, with a new epoch
      // that fences whatever an earlier incarnation of this server still does.
      MEND_ASSIGN_OR_RETURN(std::vector<TaskLease> own, tx.owned_tasks(options_.server_id));
      for (auto& l : own) {
        MEND_ASSIGN_OR_RETURN(bool ok_taken, tx.take_lease(l.task_id, options_.server_id, l.epoch, expires));
        if (ok_taken) taken.emplace_back(l.task_id, l.epoch + 1);
      }
    } else {
      MEND_ASSIGN_OR_RETURN(int64_t renewed, tx.renew_leases(options_.server_id, expires));
      (void)renewed;
    }
    MEND_ASSIGN_OR_RETURN(std::vector<TaskLease> claimable, tx.claimable_tasks(now, 1000));
    for (auto& l : claimable) {
      MEND_ASSIGN_OR_RETURN(bool ok_taken, tx.take_lease(l.task_id, options_.server_id, l.epoch, expires));
      if (!ok_taken) continue;
      taken.emplace_back(l.task_id, l.epoch + 1);
      if (l.owner.empty()) {
        ++metrics_.repair_findings["task_without_owner"];
        ++metrics_.repairs_applied["task_without_owner"];
        spdlog::warn("task={} repair: had no owner; taken by {}", l.task_id, options_.server_id);
      } else if (l.owner != options_.server_id) {
        spdlog::info("task={} lease of {} expired; taken over by {} epoch={}", l.task_id, l.owner,
                     options_.server_id, l.epoch + 1);
      }
    }
    // Forget tasks that finished or that another server took.
    finished_or_lost.clear();
    MEND_ASSIGN_OR_RETURN(std::vector<TaskLease> mine, tx.owned_tasks(options_.server_id));
    std::unordered_map<int64_t, int64_t> current;
    for (auto& l : mine) current[l.task_id] = l.epoch;
    for (auto& [id, epoch] : held_) {
      auto it = current.find(id);
      if (it == current.end() || it->second != epoch) finished_or_lost.push_back(id);
    }
    return ok();
  }));
  reclaimed_own_ = true;
  for (int64_t id : finished_or_lost) {
    held_.erase(id);
  }
  for (auto& [id, epoch] : taken) {
    held_[id] = epoch;
    ++metrics_.leases_taken;
  }
  return ok();
}

Result<void> Engine::continue_task(int64_t task_id) {
  return commit([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(bool holds, holds_lease(tx, task_id));
    if (!holds) return ok();  // tick() notices a lost lease
    return schedule(tx, task_id);
  });
}

Result<void> Engine::tick_task(int64_t id) {
  return commit([&](StoreTx& tx) -> Result<void> {
    // Fencing: every scheduler write is conditional on still holding the
    // lease at our epoch. A server that lost its lease writes nothing.
    MEND_ASSIGN_OR_RETURN(bool holds, holds_lease(tx, id));
    if (!holds) {
      held_.erase(id);
      ++metrics_.leases_lost;
      return ok();
    }
    MEND_ASSIGN_OR_RETURN(std::optional<Task> task, tx.find_task(id));
    if (!task || task->done) return ok();
    int64_t now = clock_.now_ms();
    if (now - task->action_updated_ms > options_.stale_task_ms && task->action != TaskAction::cancel) {
      MEND_TRY(tx.set_action(id, TaskAction::cancel, now));
      MEND_ASSIGN_OR_RETURN(std::vector<HostRun> waiting, tx.hosts_in_status(id, HostStatus::waiting, 0));
      MEND_TRY(set_statuses(tx, id, pointers_to(waiting), HostEvent::cancel));
      ++metrics_.stale_tasks_cancelled;
      log_after_commit("task=" + std::to_string(id) + " cancelled: no action for two weeks");
    }
    // Only the running hosts, without outputs: this runs every second for
    // every unfinished task.
    MEND_ASSIGN_OR_RETURN(std::vector<HostRun> running, tx.hosts_in_status(id, HostStatus::running, 0));
    std::vector<HostRun*> timed_out;
    for (auto& run : running) {
      if (now - run.dispatched_ms <= task->spec.timeout_s * 1000LL + options_.timeout_grace_ms) continue;
      timed_out.push_back(&run);
      ++metrics_.host_timeouts;
      log_after_commit("task=" + std::to_string(id) + " host=" + run.host + " timeout dispatch=" +
                       std::to_string(run.dispatch_id));
    }
    MEND_TRY(set_statuses(tx, id, timed_out, HostEvent::deadline));
    MEND_TRY(explain_never_started(tx, id, timed_out, now));
    // A kill nobody answers: the dispatch stays open (the kill is sent again
    // when the agent reconnects) and a late answer replaces the status.
    MEND_ASSIGN_OR_RETURN(std::vector<HostRun> killing, tx.hosts_in_status(id, HostStatus::killing, 0));
    std::vector<HostRun*> unanswered;
    for (auto& run : killing) {
      if (now - run.updated_ms <= options_.kill_deadline_ms) continue;
      unanswered.push_back(&run);
      ++metrics_.kills_unanswered;
      log_after_commit("task=" + std::to_string(id) + " host=" + run.host + " killfailed: no answer to the kill for " +
                       std::to_string(options_.kill_deadline_ms) + " ms dispatch=" + std::to_string(run.dispatch_id));
    }
    MEND_TRY(set_statuses(tx, id, unanswered, HostEvent::kill_unanswered));
    return schedule(tx, id);
  });
}

Result<TaskView> Engine::view(int64_t task_id) {
  TaskView v;
  MEND_TRY(store_.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(std::optional<Task> task, tx.find_task(task_id));
    if (!task) return task_not_found();
    v.task = std::move(*task);
    MEND_ASSIGN_OR_RETURN(v.hosts, tx.task_hosts(task_id));
    return ok();
  }));
  return v;
}

}  // namespace mend
