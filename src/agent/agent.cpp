#include "agent/agent.hpp"

#include "common/failpoint.hpp"

#include "common/log.hpp"

namespace mend::agent {

Agent::Agent(asio::any_io_executor ex, AgentConfig cfg, Spool spool, ConnectionOptions conn)
    : ex_(ex),
      cfg_(std::move(cfg)),
      spool_(std::move(spool)),
      reaper_(ex),
      conn_(ex, std::move(conn),
            Connection::Events{[this] { on_welcome(); },
                               [this](proto::Message m) { on_message(std::move(m)); }, {}}),
      resend_timer_(ex) {}

Result<void> Agent::start() {
  size_t pruned = spool_.prune_tombstones(std::filesystem::file_time_type::clock::now(),
                                          cfg_.tombstone_max_age);
  if (pruned) spdlog::info("pruned {} old tombstones", pruned);
  MEND_ASSIGN_OR_RETURN(auto results, spool_.recover());
  for (auto& r : results) {
    if (r.status == "lost") spdlog::warn("dispatch {} was running when the agent stopped: reporting lost", r.dispatch_id);
    pending_[r.dispatch_id] = std::move(r);
  }
  if (!pending_.empty()) spdlog::info("{} results waiting for acknowledgement", pending_.size());
  return ok();
}

awaitable<void> Agent::run() {
  asio::co_spawn(ex_, resend_loop(), asio::detached);
  co_await conn_.run();
}

void Agent::stop() {
  if (stopping_) return;
  stopping_ = true;
  for (const auto& [id, exec] : running_) {
    spdlog::warn("shutting down while dispatch {} runs; leaving it running", id);
  }
  resend_timer_.cancel();
  conn_.stop();
  reaper_.stop();
}

void Agent::on_welcome() { resend_all(); }

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
      if (r.status.empty()) r.status = "lost";
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
      proto::ResultMsg r;
      r.dispatch_id = id;
      r.task_id = a.task_id;
      r.status = "lost";
      r.message = kLostMessage;
      r.stderr_text = kLostMessage;
      finish(std::move(r));
      return;
    }
    case DispatchState::unknown:
      break;
  }
  // Record before starting: if the agent dies from here on, the next one
  // reports "lost" instead of running the script a second time.
  if (auto rec = spool_.record_assign(a); !rec) {
    spdlog::error("dispatch {}: cannot record in spool, not running it: {}", id, rec.error().message);
    proto::ResultMsg r;
    r.dispatch_id = id;
    r.task_id = a.task_id;
    r.status = "failed";
    r.message = "agent cannot write its spool: " + rec.error().message;
    r.stderr_text = r.message;
    conn_.send(r);  // not spooled: nothing ran, so a re-Assign may run it
    return;
  }
  // Crash tests die here: recorded, not started. The restarted agent must
  // report the dispatch lost, never run it.
  failpoint("agent.after_record_before_start");
  ExecOptions opts;
  opts.ident = cfg_.ident;
  opts.output_limit = cfg_.output_limit;
  opts.kill_grace = cfg_.kill_grace;
  auto exec = std::make_shared<Execution>(
      ex_, reaper_, a, spool_.script_path(id), opts,
      [this](const proto::Started& s) { conn_.send(s); },
      [this](const proto::Output& o) { conn_.send(o); });
  running_[id] = exec;
  asio::co_spawn(ex_, execute(exec), asio::detached);
}

awaitable<void> Agent::execute(std::shared_ptr<Execution> exec) {
  proto::ResultMsg r = co_await exec->run();
  running_.erase(exec->dispatch_id());
  finish(std::move(r));
}

void Agent::finish(proto::ResultMsg r) {
  // Durable before sent: the server may commit and ack at once, and an ack for
  // a result we then lose in a crash would turn into a "lost" on restart.
  if (auto w = spool_.write_result(r); !w) {
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
  r.status = "killed";
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
