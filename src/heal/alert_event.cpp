#include "heal/alert_event.hpp"

#include <cstdio>

namespace mend::heal {

std::string_view status_text(const AlertEvent& e) { return e.resolved ? "resolved" : "firing"; }

std::map<std::string, std::string> matchable_labels(const AlertEvent& e) {
  auto labels = e.labels;
  if (!e.name.empty()) labels.try_emplace("alertname", e.name);
  if (!e.severity.empty()) labels.try_emplace("severity", e.severity);
  if (!e.target.empty()) labels.try_emplace("ident", e.target);
  return labels;
}

std::string fingerprint_of(const std::map<std::string, std::string>& labels) {
  uint64_t h = 14695981039346656037ULL;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    // 0xff never occurs in UTF-8, so ("ab","c") and ("a","bc") hash apart.
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  for (const auto& [k, v] : labels) {
    mix(k);
    mix(v);
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

Result<int64_t> parse_rfc3339_ms(std::string_view t) {
  auto bad = [&] { return make_error(ErrorCode::invalid_input, "'" + std::string(t) + "' is not an RFC 3339 time"); };
  if (t.empty()) return int64_t{0};
  size_t i = 0;
  auto num = [&](size_t digits, int& out) {
    if (i + digits > t.size()) return false;
    out = 0;
    for (size_t k = 0; k < digits; ++k) {
      char c = t[i + k];
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    i += digits;
    return true;
  };
  auto lit = [&](std::string_view chars) {
    if (i < t.size() && chars.find(t[i]) != std::string_view::npos) {
      ++i;
      return true;
    }
    return false;
  };
  int y, mo, d, h, mi, s;
  if (!num(4, y) || !lit("-") || !num(2, mo) || !lit("-") || !num(2, d) || !lit("Tt ") || !num(2, h) ||
      !lit(":") || !num(2, mi) || !lit(":") || !num(2, s))
    return bad();
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return bad();
  int64_t ms = 0;
  if (lit(".")) {
    int digits = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      if (digits < 3) ms = ms * 10 + (t[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return bad();
    for (int k = digits; k < 3; ++k) ms *= 10;
  }
  int64_t offset_min = 0;
  if (lit("Zz")) {
  } else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    int sign = t[i] == '-' ? -1 : 1;
    ++i;
    int oh, om;
    if (!num(2, oh) || !lit(":") || !num(2, om)) return bad();
    offset_min = sign * (oh * 60 + om);
  } else {
    return bad();
  }
  if (i != t.size()) return bad();
  if (y == 1 && mo == 1 && d == 1) return int64_t{0};  // Go's zero time
  int64_t secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
                 mi * 60 + s - offset_min * 60;
  return secs * 1000 + ms;
}

}  // namespace mend::heal
