// Mend's own generic form, for senders that are none of the known tools.
#include "heal/payload_fields.hpp"
#include "heal/payloads.hpp"

namespace mend::heal {

namespace {

using fields::json;
const std::string kKind = "generic";

Result<AlertEvent> parse_one(const json& a, const std::string& path) {
  std::string where = path.empty() ? "body" : path.substr(0, path.size() - 1);
  if (!a.is_object()) return fields::bad(kKind, where, "must be an object");
  for (auto& [k, v] : a.items()) {
    (void)v;
    if (k != "labels" && k != "annotations" && k != "status" && k != "fingerprint" && k != "value")
      return fields::bad(kKind, path + k,
                         "is not a known field (known: labels, annotations, status, fingerprint, value)");
  }
  AlertEvent e;
  e.source = kKind;
  MEND_ASSIGN_OR_RETURN(e.labels, fields::string_map(kKind, a, "labels", path));
  if (e.labels.empty()) return fields::bad(kKind, path + "labels", "must hold at least one label");
  MEND_ASSIGN_OR_RETURN(e.annotations, fields::string_map(kKind, a, "annotations", path));
  MEND_ASSIGN_OR_RETURN(e.resolved, fields::firing_or_resolved(kKind, a, path, "firing"));
  MEND_ASSIGN_OR_RETURN(e.trigger_value, fields::optional_string(kKind, a, "value", path));
  MEND_ASSIGN_OR_RETURN(e.fingerprint, fields::optional_string(kKind, a, "fingerprint", path));
  if (e.fingerprint.empty()) e.fingerprint = fingerprint_of(e.labels);
  if (auto it = e.labels.find("alertname"); it != e.labels.end()) e.name = it->second;
  if (auto it = e.labels.find("severity"); it != e.labels.end()) e.severity = it->second;
  return e;
}

}  // namespace

Result<std::vector<AlertEvent>> parse_generic(std::string_view body) {
  MEND_ASSIGN_OR_RETURN(json j, fields::parse_body(kKind, body));
  if (j.is_array() && j.empty()) return fields::bad(kKind, "body", "is an empty list");
  return fields::one_or_list(j, parse_one);
}

}  // namespace mend::heal
