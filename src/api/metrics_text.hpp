#pragma once
// /metrics in the Prometheus text exposition format (version 0.0.4).
#include <cstddef>
#include <string>

#include "engine/engine_metrics.hpp"
#include "store/model.hpp"

namespace mend {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_metrics(const EngineMetrics& m, const StoreCounts& counts, size_t agents_connected);

// Shortest text that reads back as `v` ("0.0005", "1", "+Inf").
std::string prometheus_number(double v);

}  // namespace mend
