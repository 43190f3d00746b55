#include "auth/sign_in_throttle.hpp"

#include <algorithm>

namespace mend::auth {

std::string source_address(const std::string& remote) {
  if (!remote.empty() && remote.front() == '[') {
    auto close = remote.find(']');
    return close == std::string::npos ? remote : remote.substr(1, close - 1);
  }
  auto colon = remote.rfind(':');
  return colon == std::string::npos ? remote : remote.substr(0, colon);
}

int64_t SignInThrottle::wait_for(const std::string& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return 0;
  const Entry& e = it->second;
  const int64_t now = clock_.now_ms();
  if (now - e.last_ms > kWindowMs || e.failures < kFreeFailures) return 0;
  int shift = std::min(e.failures - kFreeFailures, 20);
  int64_t wait = std::min<int64_t>(int64_t{1000} << shift, kMaxWaitMs);
  return std::max<int64_t>(0, e.last_ms + wait - now);
}

int64_t SignInThrottle::wait_ms(const std::string& user, const std::string& source) const {
  return std::max(wait_for("u:" + user), wait_for("s:" + source_address(source)));
}

void SignInThrottle::fail(const std::string& key) {
  const int64_t now = clock_.now_ms();
  if (entries_.size() >= kMaxEntries && !entries_.count(key)) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                   [](const auto& a, const auto& b) { return a.second.last_ms < b.second.last_ms; });
    entries_.erase(oldest);
  }
  Entry& e = entries_[key];
  if (now - e.last_ms > kWindowMs) e.failures = 0;
  ++e.failures;
  e.last_ms = now;
}

void SignInThrottle::failed(const std::string& user, const std::string& source) {
  fail("u:" + user);
  fail("s:" + source_address(source));
}

void SignInThrottle::succeeded(const std::string& user) { entries_.erase("u:" + user); }

}  // namespace mend::auth
