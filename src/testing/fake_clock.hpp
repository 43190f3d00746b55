#pragma once
// A clock that moves only when the test says so.
#include "common/clock.hpp"

namespace mend::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_ms_(start_ms) {}
  int64_t now_ms() const override { return now_ms_; }
  int64_t monotonic_us() const override { return now_ms_ * 1000; }
  void advance_ms(int64_t ms) { now_ms_ += ms; }
  void set_ms(int64_t ms) { now_ms_ = ms; }

 private:
  int64_t now_ms_;
};

}  // namespace mend::testing
