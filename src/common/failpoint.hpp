#pragma once
// Failpoints: named places where a crash test can make the process die at
// once, as kill -9 would, to prove that every state survives a crash there.
//
// Switched on by the environment: MEND_FAILPOINTS="name1,name2" exits at the
// first hit of any listed point; "name@N" exits at its N-th hit. Always
// compiled in; when the variable is unset a hit costs one predictable branch.
#include <string_view>

namespace mend {

// Call once from main before any thread starts (reads the environment).
void init_failpoints_from_env();

namespace detail {
extern bool g_failpoints_armed;
void failpoint_hit(std::string_view name);
}  // namespace detail

inline void failpoint(std::string_view name) {
  if (detail::g_failpoints_armed) [[unlikely]]
    detail::failpoint_hit(name);
}

}  // namespace mend
