#pragma once
// Typed reads of JSON fields for the payload parsers: each failure is an
// invalid_input naming the payload and the field path, so a sender sees
// exactly what to fix.
#include <nlohmann/json.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace mend::heal {
struct AlertEvent;
}

namespace mend::heal::fields {

using nlohmann::json;

Error bad(const std::string& kind, const std::string& path, const std::string& what);

// Parses without throwing; errors name `kind`.
Result<json> parse_body(const std::string& kind, std::string_view body);

// Absent or null -> "". Present and not a string -> error.
Result<std::string> optional_string(const std::string& kind, const json& obj, const std::string& key,
                                    const std::string& path);
// A {"name": "value"} object of strings; absent or null -> empty.
Result<std::map<std::string, std::string>> string_map(const std::string& kind, const json& obj,
                                                      const std::string& key, const std::string& path);
// "firing" or "resolved" (absent -> `fallback`); returns true for resolved.
Result<bool> firing_or_resolved(const std::string& kind, const json& obj, const std::string& path,
                                const std::string& fallback);
// An RFC 3339 field; absent -> 0.
Result<int64_t> time_field(const std::string& kind, const json& obj, const std::string& key,
                           const std::string& path);

// A body that is one event object or a list of them. `parse_one` reads one
// event; its path prefix is "[i]." for the i-th of a list, "" for a lone object.
using EventParser = std::function<Result<AlertEvent>(const json& event, const std::string& path)>;
Result<std::vector<AlertEvent>> one_or_list(const json& body, const EventParser& parse_one);

}  // namespace mend::heal::fields
