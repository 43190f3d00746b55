#include "agent/agent.hpp"

#include "agent/supervised_run.hpp"
#include "agent/trace_point.hpp"
#include "common/failpoint.hpp"
#include "common/log.hpp"

namespace mend::agent {

const Clock& real_clock() {
  static const SystemClock clock;
  return clock;
}

Agent::Agent(asio::any_io_executor ex, AgentConfig cfg, Spool spool, ConnectionOptions conn,
             const Clock& clock, ProcessRunner& runner)
    : ex_(ex),
      clock_(clock),
      runner_(runner),
      cfg_(std::move(cfg)),
      spool_(std::move(spool)),
      reaper_(ex),
      conn_(ex, std::move(conn),
            Connection::Events{[this] { on_welcome(); },
                               [this](proto::Message m) { on_message(std::move(m)); }, {},
                               [this](const std::string& url, const std::string& reason) {
                                 on_refused(url, reason);
                               }}),
      resend_timer_(ex),
      spare_timer_(ex) {}

Result<void> Agent::start() {
  // Recover first: it drops the records of finished dispatches, so a
  // tombstone pruned below leaves no record that would read as "recorded".
  MEND_ASSIGN_OR_RETURN(auto recovery, spool_.recover());
  const auto now = std::chrono::file_clock::from_sys(std::chrono::system_clock::time_point(
      std::chrono::milliseconds(clock_.now_ms())));
  size_t pruned = spool_.prune_tombstones(now, cfg_.tombstone_max_age);
  if (pruned) spdlog::info("pruned {} old tombstones", pruned);
  for (int64_t id : recovery.supervised) {
    track(std::make_shared<AdoptedRun>(ex_, spool_, id));
  }
  if (!recovery.supervised.empty())
    spdlog::info("{} scripts still running under their supervisors: adopted", recovery.supervised.size());
  for (auto& r : recovery.results) {
    if (r.status == proto::RunOutcome::lost) spdlog::warn("dispatch {} was running when the agent stopped: reporting lost", r.dispatch_id);
    pending_[r.dispatch_id] = std::move(r);
  }
  if (!pending_.empty()) spdlog::info("{} results waiting for acknowledgement", pending_.size());
  prepare_spare_supervisor();
  return ok();
}

awaitable<void> Agent::run() {
  asio::co_spawn(ex_, resend_loop(), asio::detached);
  co_await conn_.run();
}

void Agent::stop() {
  if (stopping_) return;
  stopping_ = true;
  for (const auto& [id, run] : running_) {
    if (cfg_.supervisor_exe.empty())
      spdlog::warn("shutting down while dispatch {} runs in-process: it will be reported lost", id);
    else
      spdlog::info("shutting down while dispatch {} runs: its supervisor keeps it running", id);
  }
  if (spare_) spare_->abandon();  // an idle supervisor exits on EOF
  spare_.reset();
  spare_timer_.cancel();
  resend_timer_.cancel();
  conn_.stop();
  reaper_.stop();
}

void Agent::stop_taking_assignments() {
  taking_assignments_ = false;
  // No spare supervisor for an assignment that will not come.
  if (spare_) spare_->abandon();
  spare_.reset();
  spare_timer_.cancel();
}

void Agent::on_welcome() { resend_all(); }

void Agent::on_refused(const std::string& url, const std::string& reason) {
  // Labels are checked here at start too; a server refusing them (stricter,
  // or newer) will refuse them on every retry.
  if (reason.rfind("bad label", 0) == 0) {
    gave_up_ = "server " + url + " refused this agent's labels: " + reason + " (fix --label or [labels])";
    spdlog::critical("{}", gave_up_);
    stop();
    return;
  }
  // With a token, "bad token" may be a rotation the server side has not
  // finished: keep trying. Without one, no retry can succeed.
  if (!cfg_.token.empty() || reason.find("token") == std::string::npos) return;
  gave_up_ = "server " + url + " requires an agent token and this agent has none: give --token-file FILE "
             "(or MEND_AGENT_TOKEN) with the server's --agent-token";
  spdlog::critical("{}", gave_up_);
  stop();
}

void Agent::resend_all() {
  for (const auto& [id, r] : pending_) {
    if (!conn_.send(r)) break;
  }
}

awaitable<void> Agent::resend_loop() {
  while (!stopping_) {
    resend_timer_.expires_after(cfg_.resend_interval);
    boost::system::error_code ec;
    co_await resend_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_) break;
    if (conn_.connected()) resend_all();
  }
}

void Agent::on_message(proto::Message m) {
  if (auto* a = std::get_if<proto::Assign>(&m)) {
    handle_assign(*a);
  } else if (auto* k = std::get_if<proto::Kill>(&m)) {
    handle_kill(*k);
  } else if (auto* ack = std::get_if<proto::Ack>(&m)) {
    handle_ack(*ack);
  } else {
    spdlog::warn("unexpected message from server ignored");
  }
}

void Agent::handle_assign(const proto::Assign& a) {
  if (stopping_) return;  // not recorded: the server will assign it again
  const int64_t id = a.dispatch_id;
  if (running_.count(id)) return;  // a repeat while it runs
  if (auto it = pending_.find(id); it != pending_.end()) {
    conn_.send(it->second);
    return;
  }
  switch (spool_.state(id)) {
    case DispatchState::done: {
      // Acknowledged long ago; answer from the tombstone (output is not kept).
      auto stone = spool_.load_tombstone(id);
      proto::ResultMsg r = stone ? *stone : proto::ResultMsg{};
      r.dispatch_id = id;
      if (r.task_id == 0) r.task_id = a.task_id;
      r.message = "already finished and acknowledged; output no longer kept";
      conn_.send(r);
      return;
    }
    case DispatchState::has_result: {
      if (auto r = spool_.load_result(id)) {
        pending_[id] = *r;
        conn_.send(*r);
        return;
      }
      [[fallthrough]];  // unreadable result: the outcome is unknown
    }
    case DispatchState::recorded: {
      if (supervisor_alive(spool_.dispatch_dir(id))) {
        track(std::make_shared<AdoptedRun>(ex_, spool_, id));
        return;
      }
      if (auto r = spool_.result_or_lost(id, kLostMessage)) {
        finish(std::move(*r), true);
        return;
      }
      proto::ResultMsg r;
      r.dispatch_id = id;
      r.task_id = a.task_id;
      r.status = proto::RunOutcome::lost;
      r.message = kLostMessage;
      r.stderr_text = kLostMessage;
      finish(std::move(r));
      return;
    }
    case DispatchState::unknown:
      break;
  }
  // Nothing ran and nothing is recorded: a re-Assign may still run it.
  if (!taking_assignments_) return;  // stopping: the server assigns it again later
  auto refuse = [&](const std::string& why) {
    spdlog::error("dispatch {}: not running it: {}", id, why);
    proto::ResultMsg r;
    r.dispatch_id = id;
    r.task_id = a.task_id;
    r.status = proto::RunOutcome::failed;
    r.message = why;
    r.stderr_text = r.message;
    conn_.send(r);
  };
  if (!cfg_.supervisor_exe.empty()) {
    // Lock, launch the supervisor (it inherits the lock and waits), record,
    // then let it go: from the moment the dispatch is recorded a supervisor
    // holds its lock, so a restarted agent adopts it instead of losing it.
    trace_point(id, "agent has the assignment");
    auto lock = spool_.lock_dispatch(id);
    if (!lock) return refuse("agent cannot write its spool: " + lock.error().message);
    auto run = take_spare_supervisor();
    Result<void> handed = run ? (*run)->assign(a, std::move(*lock))
                              : Result<void>(make_error(ErrorCode::unavailable, "no supervisor"));
    if (!handed) {
      // The spare died (or none could start): one fresh attempt, then give up.
      lock = spool_.lock_dispatch(id);
      if (!lock) return refuse("agent cannot write its spool: " + lock.error().message);
      run = launch_supervisor();
      if (!run) return refuse(run.error().message);
      if (auto h = (*run)->assign(a, std::move(*lock)); !h) return refuse(h.error().message);
    }
    trace_point(id, "agent handed it to a supervisor");
    // The supervisor prepares the script meanwhile.
    if (auto rec = spool_.record_assign(a); !rec) {
      (*run)->abandon();
      return refuse("agent cannot write its spool: " + rec.error().message);
    }
    trace_point(id, "agent recorded it");
    // Crash tests die here: recorded, supervisor waiting. It runs the
    // dispatch on EOF, and the restarted agent adopts it.
    failpoint("agent.after_record_before_start");
    track(*run);
    return;
  }
  // In-process: record before starting: if the agent dies from here on, the
  // next one reports "lost" instead of running the script a second time.
  if (auto rec = spool_.record_assign(a); !rec) return refuse("agent cannot write its spool: " + rec.error().message);
  failpoint("agent.after_record_before_start");
  auto run = start_in_process(a);
  track(run);
}

ExecOptions Agent::exec_options() const {
  ExecOptions opts;
  opts.ident = cfg_.ident;
  opts.output_limit = cfg_.output_limit;
  opts.kill_grace = cfg_.kill_grace;
  return opts;
}

std::shared_ptr<RunningDispatch> Agent::start_in_process(const proto::Assign& a) {
  return std::make_shared<Execution>(
      ex_, reaper_, a, spool_.script_path(a.dispatch_id), exec_options(),
      [this](const proto::Started& s) { conn_.send(s); }, [this](const proto::Output& o) { conn_.send(o); },
      runner_);
}

Result<std::shared_ptr<SupervisedRun>> Agent::launch_supervisor() {
  SupervisorOptions so;
  so.spool_dir = spool_.dir();
  so.exec = exec_options();
  so.log_level = cfg_.log_level;
  auto run = std::make_shared<SupervisedRun>(
      ex_, reaper_, spool_, cfg_.supervisor_exe, so,
      [this](const proto::Started& s) {
        conn_.send(s);
        // The next spare starts once this script is past its first lines
        // (it has ended, or spare_delay has passed), not while it starts: a
        // process start is ~10 ms of CPU, all of it taken from the script's
        // own start on a small machine.
        spare_timer_.expires_after(cfg_.spare_delay);
        spare_timer_.async_wait([this](const boost::system::error_code& ec) {
          if (!ec) prepare_spare_supervisor();
        });
      },
      [this](const proto::Output& o) { conn_.send(o); }, runner_);
  MEND_TRY(run->launch());
  return run;
}

Result<std::shared_ptr<SupervisedRun>> Agent::take_spare_supervisor() {
  auto spare = std::move(spare_);
  spare_.reset();
  if (spare && spare->alive()) return spare;
  if (spare) spare->abandon();
  return launch_supervisor();
}

void Agent::prepare_spare_supervisor() {
  if (cfg_.supervisor_exe.empty() || stopping_ || !taking_assignments_ || spare_) return;
  // Off the assignment's path: started after it, from the io_context.
  asio::post(ex_, [this] {
    if (stopping_ || !taking_assignments_ || spare_) return;
    auto run = launch_supervisor();
    if (!run) {
      spdlog::warn("cannot start a spare script supervisor: {}", run.error().message);
      return;
    }
    spare_ = std::move(*run);
  });
}

void Agent::track(std::shared_ptr<RunningDispatch> run) {
  running_[run->dispatch_id()] = run;
  asio::co_spawn(ex_, execute(std::move(run)), asio::detached);
}

awaitable<void> Agent::execute(std::shared_ptr<RunningDispatch> run) {
  proto::ResultMsg r = co_await run->run();
  running_.erase(run->dispatch_id());
  prepare_spare_supervisor();  // the script has ended: its spare may start now
  finish(std::move(r), run->result_spooled());
}

void Agent::finish(proto::ResultMsg r, bool already_spooled) {
  // Durable before sent: the server may commit and ack at once, and an ack for
  // a result we then lose in a crash would turn into a "lost" on restart.
  if (already_spooled) {
    // A supervisor wrote it.
  } else if (auto w = spool_.write_result(r); !w) {
    spdlog::error("dispatch {}: cannot spool result: {}", r.dispatch_id, w.error().message);
  }
  pending_[r.dispatch_id] = r;
  // Crash tests die here: spooled, not sent. The restarted agent sends it.
  failpoint("agent.after_result_spooled_before_send");
  conn_.send(r);
}

void Agent::handle_kill(const proto::Kill& k) {
  const int64_t id = k.dispatch_id;
  if (auto it = running_.find(id); it != running_.end()) {
    it->second->kill();
    return;
  }
  if (auto it = pending_.find(id); it != pending_.end()) {
    conn_.send(it->second);
    return;
  }
  switch (spool_.state(id)) {
    case DispatchState::done:
    case DispatchState::has_result:
    case DispatchState::recorded:
      // Already finished (or lost): the Assign path knows the right answer.
      handle_assign(proto::Assign{id, k.task_id});
      return;
    case DispatchState::unknown:
      break;
  }
  // Never started here: a spooled "killed" result doubles as the marker that
  // stops a late Assign of this dispatch from running.
  proto::ResultMsg r;
  r.dispatch_id = id;
  r.task_id = k.task_id;
  r.status = proto::RunOutcome::killed;
  r.message = "killed before it started on this host";
  finish(std::move(r));
}

void Agent::handle_ack(const proto::Ack& a) {
  pending_.erase(a.dispatch_id);
  if (spool_.state(a.dispatch_id) != DispatchState::has_result) return;
  if (auto d = spool_.mark_done(a.dispatch_id); !d) {
    spdlog::error("dispatch {}: cannot mark done: {}", a.dispatch_id, d.error().message);
  }
}

}  // namespace mend::agent
