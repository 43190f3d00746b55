#include "store/host_errors.hpp"

namespace mend {

Error no_host_in_task(int64_t task_id, std::string_view host) {
  return make_error(ErrorCode::not_found, "no host " + std::string(host) + " in task " + std::to_string(task_id));
}

Error unknown_host_status(int64_t task_id, std::string_view status) {
  return make_error(ErrorCode::internal,
                    "a host of task " + std::to_string(task_id) + " has unknown status '" + std::string(status) + "'");
}

Result<void> all_hosts_written(int64_t task_id, const std::vector<std::string>& wanted,
                               const std::unordered_set<std::string>& written) {
  for (const std::string& host : wanted)
    if (written.count(host) == 0) return no_host_in_task(task_id, host);
  return ok();
}

}  // namespace mend
