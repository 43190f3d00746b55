#pragma once
// What a remediation script is told about its alert, without ever pasting a
// label into a shell command line (a label is attacker-reachable text):
// - stdin: a JSON object in Nightingale's shape, the tags plus alert_severity,
//   alert_trigger_value and is_recovered, all strings;
// - environment: MEND_ALERT_* variables (the agent sets them with setenv-style
//   calls, never through the shell).
#include <string>
#include <utility>
#include <vector>

#include "heal/alert_event.hpp"

namespace mend::heal {

// What a heal script reads on stdin: one line of JSON ending in "\n", an
// object of the alert's labels (each a string) plus "alert_severity",
// "alert_trigger_value" and "is_recovered" ("true"/"false"), Nightingale's shape.
std::string script_stdin_json(const AlertEvent& e);

struct AlertContext {
  std::string rule;
  std::string host;
};

// MEND_ALERT_NAME, _STATUS, _FINGERPRINT, _SEVERITY, _HOST, _RULE, _SOURCE,
// and _LABELS (the labels as one JSON object).
std::vector<std::pair<std::string, std::string>> script_env(const AlertEvent& e, const AlertContext& ctx);

}  // namespace mend::heal
