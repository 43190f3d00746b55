#pragma once
// One alert, whichever tool sent it: the payload parsers turn Alertmanager,
// Nightingale, Grafana and generic JSON into this, and everything after intake
// (matching, host lookup, guardrails, the script's input) reads only this.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mend::heal {

struct AlertEvent {
  std::string source;  // "alertmanager", "nightingale", "grafana", "generic"
  bool resolved = false;
  std::string fingerprint;  // identifies the alert across repeats; never empty after parsing
  std::map<std::string, std::string> labels;       // Nightingale: its tags
  std::map<std::string, std::string> annotations;
  std::string name;           // alertname label, or Nightingale's rule_name
  std::string severity;       // severity label, or Nightingale's number as text
  std::string trigger_value;  // Nightingale trigger_value, Grafana valueString
  std::string target;         // Nightingale target_ident; empty elsewhere
  int64_t starts_ms = 0;      // 0 when unknown
  int64_t ends_ms = 0;        // 0 when unknown or still firing
};

std::string_view status_text(const AlertEvent& e);  // "firing" or "resolved"

// The labels rules match and hosts are read from: the event's labels, plus
// alertname, severity and ident taken from the event's own fields when the
// labels lack them (a Nightingale event names its host in target_ident and
// its rule in rule_name, not in tags).
std::map<std::string, std::string> matchable_labels(const AlertEvent& e);

// A stable id for a label set (FNV-1a 64 over the sorted pairs, 16 hex
// digits), for generic events that bring no fingerprint of their own.
std::string fingerprint_of(const std::map<std::string, std::string>& labels);

// RFC 3339 ("2024-05-01T10:00:00.123+02:00", "...Z") to ms since the epoch.
// Go's zero time "0001-01-01T00:00:00Z" (Alertmanager's "no end") and the
// empty string give 0. Errors: invalid_input.
Result<int64_t> parse_rfc3339_ms(std::string_view text);

}  // namespace mend::heal
