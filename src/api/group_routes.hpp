#pragma once
// Host groups and roles (all under /api/v1; the console's admin pages):
//   GET    /roles                      [{"name","permissions"}]: the built-in roles
//   GET    /groups                     [{"name","hosts","description","access",...}]; "access" is the
//                                      caller's: write, read or none
//   POST   /groups                     {"name","hosts":["web-*"],"description"?}
//   GET    /groups/:name               the group and its grants
//   PUT    /groups/:name               {"hosts"?, "description"?}
//   DELETE /groups/:name               refused (409) while a template or rule belongs to it
//   GET    /groups/:name/grants        [{"user","access"}]
//   PUT    /groups/:name/grants/:user  {"access": "read"|"write"}
//   DELETE /groups/:name/grants/:user
// Changes need user.manage; each is audited with the change, in its transaction.
#include "api/api_context.hpp"
#include "api/router.hpp"

namespace mend {

// Adds nothing unless ctx.groups is set. `ctx` must outlive `router`.
void add_group_routes(Router& router, ApiContext& ctx);

}  // namespace mend
