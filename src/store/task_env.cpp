#include "store/task_env.hpp"

#include <nlohmann/json.hpp>

namespace mend {

std::string encode_task_env(const TaskEnv& env) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : env) j[k] = v;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<TaskEnv> decode_task_env(std::string_view text) {
  TaskEnv env;
  if (text.empty()) return env;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(ErrorCode::internal, "task env is not a JSON object");
  for (auto& [k, v] : j.items()) {
    if (!v.is_string()) return make_error(ErrorCode::internal, "task env value of " + k + " is not a string");
    env.emplace_back(k, v.get<std::string>());
  }
  return env;
}

}  // namespace mend
