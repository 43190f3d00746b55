#pragma once
// Mend's own routes: /api/v1 (agents, task views for mendctl), /metrics, and
// the open probes /ping, /version, /pid, /addr.
#include "api/api_context.hpp"
#include "api/router.hpp"

namespace mend {

// `ctx` must outlive `router`.
void add_native_routes(Router& router, ApiContext& ctx);

}  // namespace mend
