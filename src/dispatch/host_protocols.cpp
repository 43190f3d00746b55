#include "dispatch/host_protocols.hpp"

#include <fnmatch.h>

#include <algorithm>

#include "common/log.hpp"

namespace mend {

namespace {
constexpr std::chrono::milliseconds kRetryMin{100};
constexpr std::chrono::milliseconds kRetryMax{5000};
}  // namespace

HostProtocols::HostProtocols(asio::any_io_executor ex, Store& store, const Clock& clock,
                             std::vector<std::string> ibex_patterns)
    : ex_(ex), store_(store), clock_(clock), ibex_patterns_(std::move(ibex_patterns)),
      state_(std::make_shared<State>(ex)) {}

Result<void> HostProtocols::check_ibex_pattern(std::string_view pattern) {
  if (pattern.empty()) return make_error(ErrorCode::invalid_input, "an Ibex host pattern is empty");
  for (unsigned char c : pattern)
    if (c < 0x20 || c == 0x7f)
      return make_error(ErrorCode::invalid_input, "an Ibex host pattern has a control character");
  return ok();
}

bool HostProtocols::ibex_allowed(const std::string& ident) const {
  return std::any_of(ibex_patterns_.begin(), ibex_patterns_.end(),
                     [&](const std::string& p) { return ::fnmatch(p.c_str(), ident.c_str(), 0) == 0; });
}

void HostProtocols::native_attached(const std::string& ident) {
  if (native_.insert(ident).second) {
    state_->pending.push_back(ident);
    if (!state_->posted && !state_->retry_delay.count()) {
      state_->posted = true;
      asio::post(ex_, [&store = store_, &clock = clock_, s = state_] { flush(store, clock, s); });
    }
  }
  if (listener_) listener_(ident);
}

void HostProtocols::flush(Store& store, const Clock& clock, const std::shared_ptr<State>& s) {
  s->posted = false;
  if (s->pending.empty()) return;
  std::vector<std::string> hosts = std::move(s->pending);
  s->pending.clear();
  auto r = store.transact([&](StoreTx& tx) { return tx.record_native_hosts(hosts, clock.now_ms()); });
  if (r.ok()) {
    s->retry_delay = std::chrono::milliseconds(0);
    return;
  }
  // Kept, in front of anything attached since, and written again later.
  s->pending.insert(s->pending.begin(), hosts.begin(), hosts.end());
  s->retry_delay = s->retry_delay.count() == 0 ? kRetryMin : std::min(s->retry_delay * 2, kRetryMax);
  spdlog::warn("cannot record {} hosts as served by native agents (retry in {} ms): {}", hosts.size(),
               s->retry_delay.count(), r.error().message);
  s->retry.expires_after(s->retry_delay);
  s->retry.async_wait([&store, &clock, s](const boost::system::error_code& ec) {
    if (ec) return;  // the server is stopping
    flush(store, clock, s);
  });
}

Result<void> HostProtocols::ibex_may_serve(const std::string& ident) {
  if (!ibex_allowed(ident))
    return make_error(ErrorCode::unauthorized, "host is not allowed for Ibex agents (--ibex-rpc-hosts)");
  if (native_here(ident))
    return make_error(ErrorCode::unauthorized, "host is served by a native agent");
  MEND_ASSIGN_OR_RETURN(std::vector<std::string> native, now_native({ident}));
  if (!native.empty()) return make_error(ErrorCode::unauthorized, "host has been served by a native agent");
  return ok();
}

Result<std::vector<std::string>> HostProtocols::now_native(const std::vector<std::string>& idents) {
  std::vector<std::string> out;
  std::vector<std::string> ask;
  for (const auto& i : idents) (native_here(i) ? out : ask).push_back(i);
  if (ask.empty()) return out;
  std::vector<std::string> found;
  MEND_TRY(store_.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(found, tx.native_hosts_among(ask));
    return ok();
  }));
  out.insert(out.end(), found.begin(), found.end());
  return out;
}

}  // namespace mend
