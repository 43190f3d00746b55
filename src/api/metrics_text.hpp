#pragma once
// /metrics in the Prometheus text exposition format (version 0.0.4).
#include <cstddef>
#include <string>

#include "dispatch/peer_dispatch_relay.hpp"
#include "engine/engine_metrics.hpp"
#include "store/model.hpp"

namespace mend {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_metrics(const EngineMetrics& m, const StoreCounts& counts, size_t agents_connected);
// The relay of other servers' dispatches (several servers on PostgreSQL).
std::string peer_metrics_text(const PeerDispatchRelay::Counters& c);

// Shortest text that reads back as `v` ("0.0005", "1", "+Inf").
std::string prometheus_number(double v);

}  // namespace mend
