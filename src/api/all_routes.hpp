#pragma once
// Every route mend-server serves, in one place, so main and the permission
// matrix test (permission_matrix_test.cpp) walk the very same table.
#include "api/api_context.hpp"
#include "api/router.hpp"

namespace mend {

// `ctx` (with ctx.heal set) must outlive `router`.
void add_all_routes(Router& router, ApiContext& ctx);

}  // namespace mend
