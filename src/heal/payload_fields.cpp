#include "heal/payload_fields.hpp"

#include "heal/alert_event.hpp"

namespace mend::heal::fields {

Error bad(const std::string& kind, const std::string& path, const std::string& what) {
  return make_error(ErrorCode::invalid_input, kind + " payload: " + path + " " + what);
}

Result<json> parse_body(const std::string& kind, std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return make_error(ErrorCode::invalid_input, kind + " payload: body is not valid JSON");
  return j;
}

Result<std::string> optional_string(const std::string& kind, const json& obj, const std::string& key,
                                    const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return bad(kind, path + key, "must be a string");
  return it->get<std::string>();
}

Result<std::map<std::string, std::string>> string_map(const std::string& kind, const json& obj,
                                                      const std::string& key, const std::string& path) {
  std::map<std::string, std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_object()) return bad(kind, path + key, "must be an object of strings");
  for (auto& [k, v] : it->items()) {
    if (!v.is_string()) return bad(kind, path + key + "." + k, "must be a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

Result<bool> firing_or_resolved(const std::string& kind, const json& obj, const std::string& path,
                                const std::string& fallback) {
  MEND_ASSIGN_OR_RETURN(std::string status, optional_string(kind, obj, "status", path));
  if (status.empty()) status = fallback;
  if (status == "firing") return false;
  if (status == "resolved") return true;
  return bad(kind, path + "status", "must be \"firing\" or \"resolved\", not \"" + status + "\"");
}

Result<int64_t> time_field(const std::string& kind, const json& obj, const std::string& key,
                           const std::string& path) {
  MEND_ASSIGN_OR_RETURN(std::string text, optional_string(kind, obj, key, path));
  auto ms = parse_rfc3339_ms(text);
  if (!ms.ok()) return bad(kind, path + key, "is not an RFC 3339 time: \"" + text + "\"");
  return *ms;
}

Result<std::vector<AlertEvent>> one_or_list(const json& body, const EventParser& parse_one) {
  std::vector<AlertEvent> out;
  if (!body.is_array()) {
    MEND_ASSIGN_OR_RETURN(AlertEvent e, parse_one(body, ""));
    out.push_back(std::move(e));
    return out;
  }
  for (size_t i = 0; i < body.size(); ++i) {
    MEND_ASSIGN_OR_RETURN(AlertEvent e, parse_one(body[i], "[" + std::to_string(i) + "]."));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace mend::heal::fields
