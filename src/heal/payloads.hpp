#pragma once
// Alert payloads in, AlertEvents out: one parser per tool, each written from
// that tool's documented webhook format. All of them are pure and never throw.
//
// Errors: invalid_input with a message naming the payload kind and the field
// (e.g. "alertmanager payload: alerts[2].labels.instance must be a string"),
// for the HTTP layer to answer 400.
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "heal/alert_event.hpp"

namespace mend::heal {

// Prometheus Alertmanager webhook, version 4: {"version":"4", "status", "alerts":
// [{"status","labels","annotations","startsAt","endsAt","fingerprint"}], ...}.
// One event per alert in the group.
Result<std::vector<AlertEvent>> parse_alertmanager(std::string_view body);

// Nightingale event JSON: one event object or a list of them. tags are
// "key=value" strings (a list, or one string joined by ",,").
Result<std::vector<AlertEvent>> parse_nightingale(std::string_view body);

// Grafana unified alerting webhook: {"alerts": [{"status","labels",
// "annotations","fingerprint","valueString",...}], ...}.
Result<std::vector<AlertEvent>> parse_grafana(std::string_view body);

// Mend's generic form: {"labels":{...}, "annotations":{...}, "status":
// "firing"|"resolved", "fingerprint": optional}, or a list of them. Without a
// fingerprint, one is computed from the sorted labels.
Result<std::vector<AlertEvent>> parse_generic(std::string_view body);

// By source name: "alertmanager", "nightingale", "grafana", "generic".
Result<std::vector<AlertEvent>> parse_alerts(std::string_view source, std::string_view body);

}  // namespace mend::heal
