#include "heal/script_input.hpp"

#include <nlohmann/json.hpp>

#include "common/strings.hpp"

namespace mend::heal {

namespace {
// Labels can hold any bytes a sender put there; JSON needs valid UTF-8.
std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }
}  // namespace

std::string script_stdin_json(const AlertEvent& e) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : e.labels) j[k] = v;
  j["alert_severity"] = e.severity;
  j["alert_trigger_value"] = e.trigger_value;
  j["is_recovered"] = e.resolved ? "true" : "false";
  // One line with its newline, so `read -r line` in a script gets it whole
  // and succeeds (without the newline `read` returns 1 at end of input).
  return dump(j) + "\n";
}

std::vector<std::pair<std::string, std::string>> script_env(const AlertEvent& e, const AlertContext& ctx) {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [k, v] : e.labels) labels[k] = v;
  return {
      {"MEND_ALERT_NAME", e.name},
      {"MEND_ALERT_STATUS", std::string(status_text(e))},
      {"MEND_ALERT_FINGERPRINT", e.fingerprint},
      {"MEND_ALERT_SEVERITY", e.severity},
      {"MEND_ALERT_HOST", ctx.host},
      {"MEND_ALERT_RULE", ctx.rule},
      {"MEND_ALERT_SOURCE", e.source},
      {"MEND_ALERT_LABELS", dump(labels)},
  };
}

}  // namespace mend::heal
