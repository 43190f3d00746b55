#include "api/task_form_json.hpp"

#include <limits>
#include <nlohmann/json.hpp>

namespace mend {

namespace {

using nlohmann::json;

Error invalid(std::string message) { return make_error(ErrorCode::invalid_input, std::move(message)); }

Result<json> parse_object(std::string_view body) {
  json j = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return invalid("malformed JSON body");
  if (!j.is_object()) return invalid("JSON body must be an object");
  return j;
}

// Each reader leaves the target unchanged when the key is missing or null.
Result<void> read_string(const json& j, const char* key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return ok();
  if (!it->is_string()) return invalid(std::string("field '") + key + "' must be a string");
  out = it->get<std::string>();
  return ok();
}

Result<void> read_int(const json& j, const char* key, int64_t& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return ok();
  if (it->is_number_unsigned()) {
    auto v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return invalid(std::string("field '") + key + "' is out of range");
    out = static_cast<int64_t>(v);
    return ok();
  }
  if (it->is_number_integer()) {
    out = it->get<int64_t>();
    return ok();
  }
  return invalid(std::string("field '") + key + "' must be an integer");
}

Result<void> read_bool(const json& j, const char* key, bool& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return ok();
  if (!it->is_boolean()) return invalid(std::string("field '") + key + "' must be a boolean");
  out = it->get<bool>();
  return ok();
}

Result<void> read_string_list(const json& j, const char* key, std::vector<std::string>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return ok();
  std::string msg = std::string("field '") + key + "' must be a list of strings";
  if (!it->is_array()) return invalid(msg);
  for (const auto& e : *it) {
    if (!e.is_string()) return invalid(msg);
    out.push_back(e.get<std::string>());
  }
  return ok();
}

}  // namespace

Result<TaskForm> parse_task_form_json(std::string_view body) {
  MEND_ASSIGN_OR_RETURN(json j, parse_object(body));
  TaskForm f;
  MEND_TRY(read_string(j, "title", f.title));
  MEND_TRY(read_string(j, "account", f.account));
  MEND_TRY(read_int(j, "batch", f.batch));
  MEND_TRY(read_int(j, "tolerance", f.tolerance));
  MEND_TRY(read_int(j, "timeout", f.timeout));
  MEND_TRY(read_string(j, "pause", f.pause));
  MEND_TRY(read_string(j, "script", f.script));
  MEND_TRY(read_string(j, "args", f.args));
  MEND_TRY(read_string(j, "stdin", f.stdin_text));
  MEND_TRY(read_string(j, "action", f.action));
  MEND_TRY(read_string(j, "creator", f.creator));
  MEND_TRY(read_bool(j, "alert_triggered", f.alert_triggered));
  MEND_TRY(read_string_list(j, "hosts", f.hosts));
  return f;
}

Result<std::string> parse_action_body(std::string_view body) {
  MEND_ASSIGN_OR_RETURN(json j, parse_object(body));
  std::string action;
  MEND_TRY(read_string(j, "action", action));
  return action;
}

}  // namespace mend
