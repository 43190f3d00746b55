#include "common/failpoint.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "common/strings.hpp"

namespace mend {
namespace detail {
bool g_failpoints_armed = false;
}

namespace {
struct Armed {
  int at_hit = 1;
  int hits = 0;
};
std::map<std::string, Armed, std::less<>>& armed_points() {
  static std::map<std::string, Armed, std::less<>> points;
  return points;
}
}  // namespace

void init_failpoints_from_env() {
  const char* env = std::getenv("MEND_FAILPOINTS");
  if (!env || !*env) return;
  for (auto& item : split(env, ",")) {
    std::string name = trim(item);
    if (name.empty()) continue;
    Armed a;
    auto at = name.find('@');
    if (at != std::string::npos) {
      a.at_hit = std::max(1, std::atoi(name.c_str() + at + 1));
      name.resize(at);
    }
    armed_points()[name] = a;
  }
  detail::g_failpoints_armed = !armed_points().empty();
}

namespace detail {
void failpoint_hit(std::string_view name) {
  auto it = armed_points().find(name);
  if (it == armed_points().end()) return;
  if (++it->second.hits < it->second.at_hit) return;
  std::fprintf(stderr, "failpoint %.*s hit: exiting now\n", static_cast<int>(name.size()), name.data());
  std::fflush(stderr);
  // _exit, not exit: no destructors, no flushing of our own buffers, like a crash.
  _exit(86);
}
}  // namespace detail

}  // namespace mend
