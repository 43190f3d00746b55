#pragma once
// Every /ibex/v1 route of ibex-compat.md's HTTP table, answering as Ibex
// answers (statuses, texts, the order of its checks: see ibex_answers.hpp).
// Each handler is thin: parse, call the engine or read the store, shape the JSON.
#include "api/api_context.hpp"
#include "api/router.hpp"

namespace mend {

// `ctx` must outlive `router`.
void add_ibex_routes(Router& router, ApiContext& ctx);

}  // namespace mend
