#pragma once
// /metrics in the Prometheus text exposition format (version 0.0.4).
#include <cstddef>
#include <string>

#include "dispatch/connection_limits.hpp"
#include "dispatch/peer_dispatch_relay.hpp"
#include "engine/engine_metrics.hpp"
#include "store/model.hpp"

namespace mend {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_metrics(const EngineMetrics& m, const StoreCounts& counts, size_t agents_connected);
// What the listeners refused before authentication (connection caps, oversize
// frames): mend_connections_refused_total and mend_preauth_oversize_frames_total.
std::string edge_metrics_text(const EdgeMetrics& m);
// The relay of other servers' dispatches (several servers on PostgreSQL).
std::string peer_metrics_text(const PeerDispatchRelay::Counters& c);

// Shortest text that reads back as `v` ("0.0005", "1", "+Inf").
std::string prometheus_number(double v);

}  // namespace mend
