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
  bool error = false;  // return an error instead of exiting
};
std::map<std::string, Armed, std::less<>>& armed_points() {
  static std::map<std::string, Armed, std::less<>> points;
  return points;
}

// Counts the hit; true when this hit is the one armed.
bool fires(Armed& a) { return ++a.hits >= a.at_hit; }

[[noreturn]] void die(std::string_view name) {
  std::fprintf(stderr, "failpoint %.*s hit: exiting now\n", static_cast<int>(name.size()), name.data());
  std::fflush(stderr);
  // _exit, not exit: no destructors, no flushing of our own buffers, like a crash.
  _exit(86);
}
}  // namespace

void arm_failpoints(const std::string& spec) {
  armed_points().clear();
  for (auto& item : split(spec, ",")) {
    std::string name = trim(item);
    if (name.empty()) continue;
    Armed a;
    auto at = name.find('@');
    if (at != std::string::npos) {
      a.at_hit = std::max(1, std::atoi(name.c_str() + at + 1));
      name.resize(at);
    }
    if (auto eq = name.find('='); eq != std::string::npos) {
      a.error = name.substr(eq + 1) == "error";
      name.resize(eq);
    }
    armed_points()[name] = a;
  }
  detail::g_failpoints_armed = !armed_points().empty();
}

void init_failpoints_from_env() {
  const char* env = std::getenv("MEND_FAILPOINTS");
  if (!env || !*env) return;
  arm_failpoints(env);
}

namespace detail {
void failpoint_hit(std::string_view name) {
  auto it = armed_points().find(name);
  if (it == armed_points().end() || it->second.error) return;
  if (fires(it->second)) die(name);
}

Result<void> failpoint_error_hit(std::string_view name) {
  auto it = armed_points().find(name);
  if (it == armed_points().end() || !fires(it->second)) return ok();
  if (!it->second.error) die(name);
  return make_error(ErrorCode::unavailable, "failpoint " + std::string(name));
}
}  // namespace detail

}  // namespace mend
