#pragma once
// Sign-in, users and API tokens (all under /api/v1):
//   POST   /session            {"user","password"} -> sets cookie mend_session; answers
//                              {"user","role","permissions","csrf_token"} (no envelope: the console's contract)
//   GET    /session            the same for the current credentials; 401 when none
//   DELETE /session            signs out
//   GET    /users              POST /users {"name","role","password"|"kind":"service"}
//   PUT    /users/:name        {"role"?, "password"?, "disabled"?}
//   GET    /tokens             the caller's own tokens; POST /tokens {"name","scopes"?,"ttl_days"? (90; 0:
//                              never), "ttl_seconds"?} answers the token once
//   DELETE /tokens/:id         revokes one of the caller's tokens
//   GET/POST /users/:name/tokens, DELETE /users/:name/tokens/:id: anybody's (user.manage)
#include "api/api_context.hpp"
#include "api/router.hpp"

namespace mend {

// Adds nothing unless ctx.accounts is set. `ctx` must outlive `router`.
void add_account_routes(Router& router, ApiContext& ctx);

}  // namespace mend
