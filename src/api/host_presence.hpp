#pragma once
// Which hosts of a new task no agent serves: a mistyped host otherwise shows
// "running" and times out with no reason. The alert path skips such hosts
// (host_unknown); a task by hand is created anyway, with a warning.
#include <string>
#include <vector>

#include "api/api_context.hpp"
#include "api/http_types.hpp"
#include "common/result.hpp"

namespace mend {

struct UnseenHosts {
  std::vector<std::string> hosts;  // not connected here and never ran a dispatch on this database
  size_t unchecked = 0;            // hosts past the check's limit, not looked at
};

// Looks at the hosts not connected to this server (native or Ibex protocol),
// at most `max_checked` of them (one indexed read each, in one read
// transaction), so a large task costs a bounded time.
Result<UnseenHosts> unseen_hosts(ApiContext& ctx, const std::vector<std::string>& hosts, size_t max_checked = 200);

// "host nosuch-host: no agent is connected as it and none ever was; ..."
std::vector<std::string> unseen_host_warnings(const UnseenHosts& unseen, int64_t timeout_s);

// A created task's answer `res`, plus "warnings" and "unseen_hosts" when some
// of its hosts have no agent and never had one (Ibex clients ignore the extra
// keys). A failed check only costs the warning: the task exists either way.
ApiResponse with_host_warnings(ApiContext& ctx, ApiResponse res, const TaskSpec& spec);

}  // namespace mend
