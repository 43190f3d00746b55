#include "agent/backoff.hpp"

#include <algorithm>

namespace mend::agent {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap, double jitter,
                 uint64_t seed)
    : initial_(initial), cap_(cap), current_(initial), jitter_(jitter), rng_(seed) {}

std::chrono::milliseconds Backoff::next() {
  std::uniform_real_distribution<double> dist(1.0 - jitter_, 1.0 + jitter_);
  auto delay = std::chrono::milliseconds(static_cast<int64_t>(current_.count() * dist(rng_)));
  current_ = std::min(cap_, current_ * 2);
  return delay;
}

void Backoff::reset() { current_ = initial_; }

}  // namespace mend::agent
