#pragma once
// Time behind an interface so the scheduler, timeouts and leases are tested to
// the millisecond with a fake clock (src/testing/fake_clock.hpp).
#include <cstdint>

namespace mend {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in milliseconds since the Unix epoch (what the database stores).
  virtual int64_t now_ms() const = 0;
  // Monotonic time in microseconds, for measuring durations.
  virtual int64_t monotonic_us() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now_ms() const override;
  int64_t monotonic_us() const override;
};

}  // namespace mend
