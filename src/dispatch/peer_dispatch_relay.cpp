#include "dispatch/peer_dispatch_relay.hpp"

#include <algorithm>

#include "common/log.hpp"

namespace mend {

PeerDispatchRelay::PeerDispatchRelay(Store& store, std::unique_ptr<DispatchFeed> feed, AgentPush& local,
                                     LocalAgents agents, PeerRelayOptions options)
    : store_(store), feed_(std::move(feed)), local_(local), agents_(std::move(agents)), options_(options) {}

PeerDispatchRelay::~PeerDispatchRelay() { close(); }

void PeerDispatchRelay::close() {
  stopped_ = true;
  release_socket();
  timer_.reset();
}

void PeerDispatchRelay::release_socket() {
  // The feed owns the descriptor: Asio must forget it without closing it.
  if (socket_) {
    socket_->release();
    socket_.reset();
  }
}

void PeerDispatchRelay::start(asio::any_io_executor ex) {
  if (!feed_ || engine_ == nullptr) return;
  ex_ = ex;
  timer_.emplace(ex);
  asio::co_spawn(ex, run(), asio::detached);
}

void PeerDispatchRelay::stop() {
  stopped_ = true;
  if (timer_) timer_->cancel();
  if (socket_) socket_->cancel();
}

void PeerDispatchRelay::push_assign(const std::string& host, const proto::Assign& assign) {
  // Remembered only while there is a feed: its check is what trims the memory.
  if (feed_) sent_[host].insert({assign.dispatch_id, false});
  local_.push_assign(host, assign);
}

void PeerDispatchRelay::push_kill(const std::string& host, const proto::Kill& kill) {
  if (feed_) sent_[host].insert({kill.dispatch_id, true});
  local_.push_kill(host, kill);
}

std::optional<int> PeerDispatchRelay::deliver_one(const std::string& host) {
  auto pending = engine_->pending_for_host(host);
  if (!pending.ok()) {
    // The next check tries again.
    spdlog::warn("agent {}: cannot load what another server dispatched: {}", host, pending.error().message);
    return std::nullopt;
  }
  int sent = 0;
  std::set<Key> now;
  auto& before = sent_[host];
  for (const auto& m : *pending) {
    if (auto* a = std::get_if<proto::Assign>(&m)) {
      now.insert({a->dispatch_id, false});
      if (before.count({a->dispatch_id, false}) != 0) continue;
      local_.push_assign(host, *a);
      ++sent;
    } else if (auto* k = std::get_if<proto::Kill>(&m)) {
      now.insert({k->dispatch_id, true});
      if (before.count({k->dispatch_id, true}) != 0) continue;
      local_.push_kill(host, *k);
      ++sent;
    }
  }
  // Only what is still wanted: the memory stays as small as the open work.
  before = std::move(now);
  return sent;
}

int PeerDispatchRelay::deliver(const std::vector<std::string>& hosts) {
  if (engine_ == nullptr) return 0;
  int sent = 0;
  for (const auto& host : hosts)
    if (agents_.serves(host)) sent += deliver_one(host).value_or(0);
  return sent;
}

Result<int> PeerDispatchRelay::catch_up() {
  if (engine_ == nullptr) return 0;
  std::vector<std::string> hosts = agents_.hosts();
  std::vector<Dispatch> open;
  if (!hosts.empty()) {
    MEND_TRY(store_.read([&](StoreTx& tx) -> Result<void> {
      MEND_ASSIGN_OR_RETURN(open, tx.open_dispatches_for_hosts(hosts));
      return ok();
    }));
  }
  std::map<std::string, std::set<Key>> open_by_host;
  for (const auto& d : open) open_by_host[d.host].insert({d.id, d.kill_requested});
  int sent = 0;
  std::map<std::string, std::set<Key>> remembered;
  for (auto& [host, keys] : open_by_host) {
    const auto& before = sent_[host];
    bool behind = !std::includes(before.begin(), before.end(), keys.begin(), keys.end());
    if (behind) {
      auto delivered = deliver_one(host);
      if (!delivered) {
        remembered[host] = sent_[host];  // unchanged: the next check tries again
        continue;
      }
      sent += *delivered;
    }
    // What is open now was sent, or needs no message (its host already timed
    // out): the next check skips it. Keys of closed dispatches and of hosts
    // that left are forgotten, so the memory stays as small as the open work.
    remembered[host] = keys;
  }
  sent_ = std::move(remembered);
  return sent;
}

awaitable<void> PeerDispatchRelay::run() {
  using namespace std::chrono;
  auto backoff = milliseconds(0);
  auto next_check = steady_clock::now();
  while (!stopped_) {
    if (!socket_) {
      auto connected = feed_->connect();
      if (!connected.ok()) {
        backoff = backoff.count() == 0 ? options_.reconnect_min : std::min(backoff * 2, options_.reconnect_max);
        spdlog::warn("peer notifications: {}; next attempt in {} ms", connected.error().message, backoff.count());
        timer_->expires_after(backoff);
        beast::error_code ec;
        co_await timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      spdlog::info("peer notifications: listening{}", counters_.feed_connects > 0 ? " again" : "");
      ++counters_.feed_connects;
      backoff = milliseconds(0);
      socket_.emplace(*ex_, feed_->socket());
      next_check = steady_clock::now();  // catch up on what was missed while not listening
    }
    if (steady_clock::now() >= next_check) {
      auto caught = catch_up();
      if (!caught.ok()) spdlog::warn("peer notifications: check failed: {}", caught.error().message);
      else if (*caught > 0) {
        counters_.caught_up += *caught;
        spdlog::info("peer notifications: check sent {} missed messages", *caught);
      }
      next_check = steady_clock::now() + options_.catch_up_interval;
    }
    // Wake at the next check even if nothing arrives. A timer that fires
    // after the wait ended cancels a later wait: a spurious wake, harmless.
    timer_->expires_at(next_check);
    timer_->async_wait([this](const beast::error_code& e) {
      if (!e && socket_) socket_->cancel();
    });
    beast::error_code ec;
    co_await socket_->async_wait(asio::posix::descriptor_base::wait_read,
                                 asio::redirect_error(asio::use_awaitable, ec));
    timer_->cancel();
    if (stopped_) break;
    if (ec) continue;
    auto batch = feed_->poll();
    if (!batch.ok()) {
      spdlog::warn("peer notifications: {}; reconnecting", batch.error().message);
      release_socket();
      feed_->disconnect();
      continue;
    }
    if (batch->notifications == 0) continue;
    counters_.notifications += batch->notifications;
    int sent = deliver(batch->all ? agents_.hosts() : batch->hosts);
    counters_.relayed += sent;
  }
  release_socket();
}

}  // namespace mend
