#pragma once
// Every /ibex/v1 route of ibex-compat.md's HTTP table. Each handler is thin:
// parse, call the engine or read the store, shape the JSON.
#include "api/api_context.hpp"
#include "api/router.hpp"

namespace mend {

// `ctx` must outlive `router`.
void add_ibex_routes(Router& router, ApiContext& ctx);

// Ibex's answer when an action reaches a finished task (HTTP 200 with err).
inline constexpr const char* kTaskFinished = "task already finished, no more action can do";

}  // namespace mend
