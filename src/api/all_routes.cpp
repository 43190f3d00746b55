#include "api/all_routes.hpp"

#include "api/account_routes.hpp"
#include "api/audit_routes.hpp"
#include "api/console_routes.hpp"
#include "api/group_routes.hpp"
#include "api/heal_routes.hpp"
#include "api/ibex_routes.hpp"
#include "api/native_routes.hpp"
#include "api/task_routes.hpp"
#include "api/trust_routes.hpp"

namespace mend {

void add_all_routes(Router& router, ApiContext& ctx) {
  add_ibex_routes(router, ctx);
  add_native_routes(router, ctx);
  add_task_routes(router, ctx);
  add_console_routes(router);
  add_heal_routes(router, *ctx.heal, ctx.store, ctx.clock, ctx.groups);
  add_account_routes(router, ctx);
  add_group_routes(router, ctx);
  add_audit_routes(router, ctx);
  if (ctx.trust) add_trust_routes(router, *ctx.trust, ctx.hub);
}

}  // namespace mend
