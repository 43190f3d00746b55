#pragma once
// The errors both backends return when a write names a host its task does not
// have, worded the same whichever database answered.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/result.hpp"

namespace mend {

// not_found: (task_id, host) has no row.
Error no_host_in_task(int64_t task_id, std::string_view host);

// internal: a host row holds a status this build does not know (a newer
// server's, or damage by hand).
Error unknown_host_status(int64_t task_id, std::string_view status);

// After a statement that wrote many hosts at once: not_found naming the first
// of `wanted` that is not in `written`; ok when every one was written.
Result<void> all_hosts_written(int64_t task_id, const std::vector<std::string>& wanted,
                               const std::unordered_set<std::string>& written);

}  // namespace mend
