#pragma once
// TaskSpec::env as stored: a JSON object in the tasks.env column (both backends).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace mend {

using TaskEnv = std::vector<std::pair<std::string, std::string>>;

std::string encode_task_env(const TaskEnv& env);
// "" and "{}" are empty. Errors: internal (the column was damaged).
Result<TaskEnv> decode_task_env(std::string_view text);

}  // namespace mend
