#pragma once
// The console's task reads under /api/v1/tasks: a filtered list with keyset
// paging, a task's summary (settings and host counts without any output),
// its hosts without output, and one host's output as a live stream.
#include "api/api_context.hpp"
#include "api/router.hpp"

namespace mend {

// `ctx` must outlive `router`.
void add_task_routes(Router& router, ApiContext& ctx);

}  // namespace mend
