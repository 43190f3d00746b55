// Alertmanager and Grafana: both send a group of alerts in the Alertmanager
// shape (Grafana's unified alerting copied it, adding valueString).
#include "heal/payload_fields.hpp"
#include "heal/payloads.hpp"

namespace mend::heal {

namespace {

using fields::json;

Result<std::vector<AlertEvent>> parse_alert_group(const std::string& kind, const json& j) {
  if (!j.is_object()) return fields::bad(kind, "body", "must be a JSON object");
  auto alerts = j.find("alerts");
  if (alerts == j.end() || !alerts->is_array()) return fields::bad(kind, "alerts", "must be a list of alerts");
  MEND_ASSIGN_OR_RETURN(std::string group_status, fields::optional_string(kind, j, "status", ""));
  std::vector<AlertEvent> out;
  for (size_t i = 0; i < alerts->size(); ++i) {
    const json& a = (*alerts)[i];
    std::string path = "alerts[" + std::to_string(i) + "].";
    if (!a.is_object()) return fields::bad(kind, path.substr(0, path.size() - 1), "must be an object");
    AlertEvent e;
    e.source = kind;
    // An alert without its own status takes the group's: older senders omit it.
    MEND_ASSIGN_OR_RETURN(e.resolved, fields::firing_or_resolved(kind, a, path, group_status));
    MEND_ASSIGN_OR_RETURN(e.labels, fields::string_map(kind, a, "labels", path));
    if (e.labels.empty()) return fields::bad(kind, path + "labels", "must hold at least one label");
    MEND_ASSIGN_OR_RETURN(e.annotations, fields::string_map(kind, a, "annotations", path));
    MEND_ASSIGN_OR_RETURN(e.starts_ms, fields::time_field(kind, a, "startsAt", path));
    MEND_ASSIGN_OR_RETURN(e.ends_ms, fields::time_field(kind, a, "endsAt", path));
    MEND_ASSIGN_OR_RETURN(e.fingerprint, fields::optional_string(kind, a, "fingerprint", path));
    if (e.fingerprint.empty()) e.fingerprint = fingerprint_of(e.labels);
    MEND_ASSIGN_OR_RETURN(e.trigger_value, fields::optional_string(kind, a, "valueString", path));
    if (auto it = e.labels.find("alertname"); it != e.labels.end()) e.name = it->second;
    if (auto it = e.labels.find("severity"); it != e.labels.end()) e.severity = it->second;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

Result<std::vector<AlertEvent>> parse_alertmanager(std::string_view body) {
  const std::string kind = "alertmanager";
  MEND_ASSIGN_OR_RETURN(json j, fields::parse_body(kind, body));
  if (j.is_object()) {
    MEND_ASSIGN_OR_RETURN(std::string version, fields::optional_string(kind, j, "version", ""));
    // Version 4 is the only one Alertmanager has sent since 0.x; another
    // number would mean a format we were not written for.
    if (!version.empty() && version != "4")
      return fields::bad(kind, "version", "\"" + version + "\" is not supported (want \"4\")");
  }
  return parse_alert_group(kind, j);
}

Result<std::vector<AlertEvent>> parse_grafana(std::string_view body) {
  const std::string kind = "grafana";
  MEND_ASSIGN_OR_RETURN(json j, fields::parse_body(kind, body));
  return parse_alert_group(kind, j);
}

Result<std::vector<AlertEvent>> parse_alerts(std::string_view source, std::string_view body) {
  if (source == "alertmanager") return parse_alertmanager(body);
  if (source == "nightingale") return parse_nightingale(body);
  if (source == "grafana") return parse_grafana(body);
  if (source == "generic") return parse_generic(body);
  return make_error(ErrorCode::invalid_input, "unknown alert source '" + std::string(source) + "'");
}

}  // namespace mend::heal
