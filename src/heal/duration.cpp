#include "heal/duration.hpp"

#include <limits>

namespace mend::heal {

Result<int64_t> parse_duration_ms(std::string_view t) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::invalid_input,
                      "bad duration \"" + std::string(t) + "\": " + why + " (write e.g. 30s, 5m, 1h)");
  };
  if (t == "0") return int64_t{0};
  if (t.empty()) return bad("empty");
  int64_t total = 0;
  size_t i = 0;
  while (i < t.size()) {
    if (t[i] < '0' || t[i] > '9') return bad("expected a number");
    int64_t n = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      if (n > std::numeric_limits<int64_t>::max() / 100) return bad("too large");
      n = n * 10 + (t[i++] - '0');
    }
    std::string_view rest = t.substr(i);
    int64_t unit = 0;
    if (rest.substr(0, 2) == "ms") {
      unit = 1;
      i += 2;
    } else if (!rest.empty() && rest[0] == 's') {
      unit = 1000;
      ++i;
    } else if (!rest.empty() && rest[0] == 'm') {
      unit = 60'000;
      ++i;
    } else if (!rest.empty() && rest[0] == 'h') {
      unit = 3'600'000;
      ++i;
    } else if (!rest.empty() && rest[0] == 'd') {
      unit = 86'400'000;
      ++i;
    } else {
      return bad(rest.empty() ? "missing unit (ms, s, m, h, d)" : "unknown unit");
    }
    if (n > (std::numeric_limits<int64_t>::max() - total) / unit) return bad("too large");
    total += n * unit;
  }
  return total;
}

std::string format_duration(int64_t ms) {
  if (ms == 0) return "0";
  std::string out;
  const std::pair<int64_t, const char*> units[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (auto [size, name] : units) {
    if (ms >= size) {
      out += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return out;
}

}  // namespace mend::heal
