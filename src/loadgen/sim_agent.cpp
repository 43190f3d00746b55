#include "loadgen/sim_agent.hpp"

#include "common/log.hpp"

namespace mend::loadgen {

namespace {

int64_t unix_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

SimAgent::SimAgent(asio::any_io_executor ex, agent::ConnectionOptions conn,
                   const SimBehaviour& behaviour, FleetStats& stats, AssignLog* log)
    : ex_(ex),
      ident_(conn.hello.ident),
      behaviour_(behaviour),
      stats_(stats),
      log_(log),
      conn_(ex, std::move(conn),
            agent::Connection::Events{[this] { on_welcome(); },
                                      [this](proto::Message m) { on_message(std::move(m)); },
                                      [this] { on_closed(); }}) {}

awaitable<void> SimAgent::run() { co_await conn_.run(); }

void SimAgent::stop() {
  stopping_ = true;
  for (auto& [id, timer] : running_) timer->cancel();
  conn_.stop();
}

void SimAgent::on_welcome() {
  ++stats_.welcomes;
  ++stats_.connected;
  was_connected_ = true;
  for (const auto& [id, r] : unacked_) conn_.send(r);
}

void SimAgent::on_closed() {
  if (was_connected_) --stats_.connected;
  was_connected_ = false;
}

void SimAgent::on_message(proto::Message m) {
  if (auto* a = std::get_if<proto::Assign>(&m)) {
    on_assign(*a);
  } else if (auto* ack = std::get_if<proto::Ack>(&m)) {
    if (unacked_.erase(ack->dispatch_id)) {
      ++stats_.acks;
      finished_.insert(ack->dispatch_id);
    }
  } else if (auto* k = std::get_if<proto::Kill>(&m)) {
    on_kill(*k);
  }
}

void SimAgent::on_assign(const proto::Assign& a) {
  // The time is taken first: it is what the benchmark measures.
  const int64_t now = unix_now_ns();
  ++stats_.assigns;
  if (log_) log_->record(now, ident_, a);
  const int64_t id = a.dispatch_id;
  if (running_.count(id)) return;
  if (auto it = unacked_.find(id); it != unacked_.end()) {
    conn_.send(it->second);
    return;
  }
  if (finished_.count(id)) {
    proto::ResultMsg r;
    r.dispatch_id = id;
    r.task_id = a.task_id;
    r.status = proto::RunOutcome::lost;
    r.message = "already finished and acknowledged; output no longer kept";
    conn_.send(r);
    return;
  }
  conn_.send(proto::Started{id});
  if (behaviour_.exec_time.count() == 0) {
    finish(id, a.task_id, proto::RunOutcome::success);
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(ex_);
  running_[id] = timer;
  timer->expires_after(behaviour_.exec_time);
  timer->async_wait([this, timer, id, task = a.task_id](boost::system::error_code ec) {
    if (ec || stopping_) return;  // killed (the kill answered) or shutting down
    running_.erase(id);
    finish(id, task, proto::RunOutcome::success);
  });
}

void SimAgent::on_kill(const proto::Kill& k) {
  ++stats_.kills;
  const int64_t id = k.dispatch_id;
  if (auto it = running_.find(id); it != running_.end()) {
    it->second->cancel();
    running_.erase(it);
    finish(id, k.task_id, proto::RunOutcome::killed);
    return;
  }
  if (auto it = unacked_.find(id); it != unacked_.end()) {
    conn_.send(it->second);
    return;
  }
  if (finished_.count(id)) return;
  finish(id, k.task_id, proto::RunOutcome::killed);
}

void SimAgent::finish(int64_t dispatch_id, int64_t task_id, proto::RunOutcome status) {
  proto::ResultMsg r;
  r.dispatch_id = dispatch_id;
  r.task_id = task_id;
  r.status = status;
  r.exit_code = status == proto::RunOutcome::success ? 0 : -1;
  r.stdout_text = behaviour_.stdout_text;
  ++stats_.results;
  conn_.send(r);
  unacked_[dispatch_id] = std::move(r);
}

void SimAgent::resend_unacked() {
  if (!conn_.connected()) return;
  for (const auto& [id, r] : unacked_) conn_.send(r);
}

}  // namespace mend::loadgen
