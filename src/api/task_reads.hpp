#pragma once
// Read-only lookups the routes share, each in one read snapshot.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/store.hpp"

namespace mend {

struct TaskWithHosts {
  Task task;
  std::vector<HostRun> hosts;
};

// The not_found message of a missing task (the host's is "no such host").
inline constexpr const char* kNoSuchTaskMessage = "no such task";

// A task id from a path segment. Errors: invalid_input ("invalid task id").
Result<int64_t> parse_task_id(std::string_view text);

// Errors: not_found ("no such task"), or the store's error.
Result<Task> read_task(Store& store, int64_t id);
Result<TaskWithHosts> read_task_with_hosts(Store& store, int64_t id);
// Errors: not_found ("no such task" / "no such host").
Result<HostRun> read_task_host(Store& store, int64_t id, const std::string& host);

}  // namespace mend
