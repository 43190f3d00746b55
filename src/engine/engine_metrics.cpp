#include "engine/engine_metrics.hpp"

namespace mend {

void LatencyHistogram::observe(double seconds) {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  ++buckets[i];
  sum_seconds += seconds;
  ++count;
}

}  // namespace mend
