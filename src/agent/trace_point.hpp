#pragma once
// Trace-level timestamps on the way from an assignment to its script, in
// wall-clock microseconds, so that lines from the agent, its supervisor and
// the script's own `date +%s%N` line up (docs/benchmarks.md has the
// breakdown they give). Costs one level check unless --log-level trace.
#include <chrono>
#include <cstdint>
#include <string_view>

#include "common/log.hpp"

namespace mend::agent {

inline void trace_point(int64_t dispatch_id, std::string_view what) {
  if (!spdlog::should_log(spdlog::level::trace)) return;
  using namespace std::chrono;
  const int64_t us = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  spdlog::trace("dispatch {}: {} at {}.{:06}", dispatch_id, what, us / 1000000, us % 1000000);
}

}  // namespace mend::agent
