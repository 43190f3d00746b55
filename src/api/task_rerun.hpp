#pragma once
// "Rerun the failed hosts": Ibex refuses redo on a finished task, and after a
// failure that is exactly what a user wants. A rerun is a new task with the
// first one's script, arguments, account and limits, on the hosts that did
// not succeed, linked to the first by MEND_RERUN_OF in its environment (the
// script sees it too) and by `rerun_of` in the API's answers.
#include <optional>
#include <string>

#include "api/task_reads.hpp"
#include "store/model.hpp"

namespace mend {

inline constexpr const char* kRerunOfEnv = "MEND_RERUN_OF";

// The spec of a rerun of `first` on its failed, timeout, killed, killfailed
// and lost hosts, started at once, created by `creator` (the first task's
// creator when empty). Errors: conflict when `first` is not finished ("redo
// a host instead") or none of its hosts failed.
Result<TaskSpec> rerun_spec(const TaskWithHosts& first, const std::string& creator);

// The task a rerun was made from (its MEND_RERUN_OF), if any.
std::optional<int64_t> rerun_of(const TaskSpec& spec);

}  // namespace mend
