#include "dispatch/connection_limits.hpp"

#include "common/log.hpp"

namespace mend {

void RefusalLog::note(const std::string& remote, const std::string& why) {
  auto now = std::chrono::steady_clock::now();
  if (now < next_) {
    ++suppressed_;
    return;
  }
  if (suppressed_ > 0)
    spdlog::warn("{} {}: connection refused: {} ({} more refused in the last second)", listener_, remote, why,
                 suppressed_);
  else
    spdlog::warn("{} {}: connection refused: {}", listener_, remote, why);
  suppressed_ = 0;
  next_ = now + std::chrono::seconds(1);
}

asio::ip::address canonical_source(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a;
}

ConnectionLimits::ConnectionLimits(ConnectionLimitOptions options) : state_(std::make_shared<State>()) {
  state_->options = options;
}

ConnectionLimits::Refusal ConnectionLimits::admit(const asio::ip::address& source, Ticket& ticket,
                                                  EdgeCounters& counters) {
  State& s = *state_;
  const asio::ip::address key = canonical_source(source);
  if (s.total >= s.options.max_total) {
    ++counters.refused_total;
    return Refusal::total;
  }
  size_t& from = s.unauthenticated[key];
  if (from >= s.options.max_unauthenticated_per_source) {
    ++counters.refused_per_source;
    return Refusal::per_source;
  }
  ++from;
  ++s.total;
  ticket.release();
  ticket.state_ = state_;
  ticket.source_ = key;
  ticket.authenticated_ = false;
  return Refusal::none;
}

size_t ConnectionLimits::unauthenticated_from(const asio::ip::address& source) const {
  auto it = state_->unauthenticated.find(canonical_source(source));
  return it == state_->unauthenticated.end() ? 0 : it->second;
}

ConnectionLimits::Ticket::Ticket(Ticket&& o) noexcept
    : state_(std::move(o.state_)), source_(o.source_), authenticated_(o.authenticated_) {
  o.state_.reset();
}

ConnectionLimits::Ticket& ConnectionLimits::Ticket::operator=(Ticket&& o) noexcept {
  if (this != &o) {
    release();
    state_ = std::move(o.state_);
    source_ = o.source_;
    authenticated_ = o.authenticated_;
    o.state_.reset();
  }
  return *this;
}

void ConnectionLimits::Ticket::authenticated() {
  if (!state_ || authenticated_) return;
  authenticated_ = true;
  auto it = state_->unauthenticated.find(source_);
  if (it != state_->unauthenticated.end() && --it->second == 0) state_->unauthenticated.erase(it);
}

void ConnectionLimits::Ticket::release() {
  if (!state_) return;
  authenticated();  // leaves the per-source count
  --state_->total;
  state_.reset();
}

}  // namespace mend
