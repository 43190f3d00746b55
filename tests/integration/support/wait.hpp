#pragma once
// Polling for an outcome. The timeout only bounds a failure (generous, for
// ASan on a loaded machine); tests assert the outcome, never the elapsed time.
#include <chrono>
#include <thread>

namespace mend::it {

inline constexpr std::chrono::milliseconds kWaitTimeout{30000};

// Calls pred every `step` until it returns true (then true) or `timeout`
// passes (then false, after one last try).
template <class Pred>
bool wait_until(Pred&& pred, std::chrono::milliseconds timeout = kWaitTimeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(50)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(step);
  }
}

}  // namespace mend::it
