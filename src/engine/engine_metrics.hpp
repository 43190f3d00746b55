#pragma once
// Counters the engine bumps; /metrics renders them. Plain integers: the engine
// runs on one thread.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace mend {

struct LatencyHistogram {
  // Upper bounds in seconds, Prometheus style; the last bucket is +Inf.
  static constexpr std::array<double, 12> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  std::array<uint64_t, kBounds.size() + 1> buckets{};
  double sum_seconds = 0;
  uint64_t count = 0;
  void observe(double seconds);
};

struct EngineMetrics {
  uint64_t tasks_created = 0;
  uint64_t dispatches = 0;
  uint64_t kills_sent = 0;
  uint64_t results_applied = 0;
  uint64_t results_duplicate = 0;
  uint64_t results_stale = 0;
  uint64_t host_timeouts = 0;
  uint64_t kills_unanswered = 0;
  uint64_t stale_tasks_cancelled = 0;
  uint64_t leases_taken = 0;
  uint64_t leases_lost = 0;
  std::map<std::string, uint64_t> repair_findings;  // by kind
  std::map<std::string, uint64_t> repairs_applied;  // by kind
  LatencyHistogram dispatch_to_start;
};

}  // namespace mend
