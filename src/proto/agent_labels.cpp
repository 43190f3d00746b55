#include "proto/agent_labels.hpp"

namespace mend::proto {

namespace {

bool key_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-' || c == '/';
}

// Keys are shown and matched, never interpreted: a key that is not printable
// is shown escaped in the error so the message itself stays one clean line.
std::string shown(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 80)) {
    if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

Result<void> check_label(std::string_view key, std::string_view value) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::invalid_input, "bad label '" + shown(key) + "': " + why);
  };
  if (key.empty()) return make_error(ErrorCode::invalid_input, "bad label: empty key");
  if (key.size() > kMaxLabelKeyBytes)
    return bad("key longer than " + std::to_string(kMaxLabelKeyBytes) + " bytes");
  for (unsigned char c : key)
    if (!key_char(c)) return bad("key may hold only letters, digits and _ . - /");
  if (value.size() > kMaxLabelValueBytes)
    return bad("value longer than " + std::to_string(kMaxLabelValueBytes) + " bytes");
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7f) return bad("value holds a control character");
  return ok();
}

Result<void> check_labels(const Labels& labels) {
  if (labels.size() > kMaxLabels)
    return make_error(ErrorCode::invalid_input, "bad label: " + std::to_string(labels.size()) +
                                                    " labels, at most " + std::to_string(kMaxLabels) + " allowed");
  for (const auto& [k, v] : labels) MEND_TRY(check_label(k, v));
  return ok();
}

Result<std::pair<std::string, std::string>> parse_label(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos)
    return make_error(ErrorCode::invalid_input, "bad label '" + shown(text) + "': expected key=value");
  std::string key(text.substr(0, eq));
  std::string value(text.substr(eq + 1));
  MEND_TRY(check_label(key, value));
  return std::make_pair(std::move(key), std::move(value));
}

std::string format_labels(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

}  // namespace mend::proto
