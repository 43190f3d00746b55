#pragma once
// Failed sign-ins slow down per user name and per source address: after
// kFreeFailures failures within the window, each further attempt must wait
// 2^(n - kFreeFailures) seconds (at most 15 minutes) after the last failure.
// A success clears the user's count (not the source's: one address guessing
// many users stays slowed). Kept in memory: each server throttles what
// reaches it, and a restart forgets, which costs an attacker a restart of ours.
//
// Bounded: at most kMaxEntries keys; the oldest are forgotten first.
#include <cstdint>
#include <map>
#include <string>

#include "common/clock.hpp"

namespace mend::auth {

class SignInThrottle {
 public:
  static constexpr int kFreeFailures = 5;
  static constexpr int64_t kWindowMs = 15 * 60'000;
  static constexpr int64_t kMaxWaitMs = 15 * 60'000;
  static constexpr size_t kMaxEntries = 10'000;

  explicit SignInThrottle(const Clock& clock) : clock_(clock) {}
  // Milliseconds the caller must still wait before trying `user` from
  // `source`; 0 when it may try now.
  int64_t wait_ms(const std::string& user, const std::string& source) const;
  void failed(const std::string& user, const std::string& source);
  void succeeded(const std::string& user);

 private:
  struct Entry {
    int failures = 0;
    int64_t last_ms = 0;
  };
  int64_t wait_for(const std::string& key) const;
  void fail(const std::string& key);
  const Clock& clock_;
  std::map<std::string, Entry> entries_;
};

// "127.0.0.1:5555" -> "127.0.0.1", "[::1]:80" -> "::1".
std::string source_address(const std::string& remote);

}  // namespace mend::auth
