#include "cli/time_format.hpp"

#include <cstdio>
#include <ctime>

namespace mend::cli {

std::string format_duration(int64_t ms) {
  int64_t s = ms > 0 ? ms / 1000 : 0;
  char buf[64];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  }
  return buf;
}

std::string format_ago(int64_t now_ms, int64_t then_ms) {
  if (then_ms == 0) return "never";
  if (then_ms > now_ms) return "just now";
  return format_duration(now_ms - then_ms) + " ago";
}

std::string format_time(int64_t epoch_ms, bool utc) {
  if (epoch_ms == 0) return "-";
  std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  if ((utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == nullptr) return "-";
  char buf[40];
  if (std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z", &tm) == 0) return "-";
  return buf;
}

}  // namespace mend::cli
