#pragma once
// Reconnect delays: exponential from `initial` up to `cap`, each with +-jitter
// so a fleet of agents does not reconnect in lock-step after a server restart.
#include <chrono>
#include <cstdint>
#include <random>

namespace mend::agent {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap, double jitter,
          uint64_t seed);

  // The delay to wait now; the next call returns about twice as much (up to cap).
  std::chrono::milliseconds next();
  // After a success: the next delay starts from `initial` again.
  void reset();

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds cap_;
  std::chrono::milliseconds current_;
  double jitter_;
  std::mt19937_64 rng_;
};

}  // namespace mend::agent
