#pragma once
// Failpoints: named places where a test can make the process die at once, as
// kill -9 would (to prove that every state survives a crash there), or make
// the call there fail with an error (to test how a store or spool failure is
// handled without killing the process).
//
// Switched on by the environment: MEND_FAILPOINTS="name1,name2" exits at the
// first hit of any listed point; "name@N" exits at its N-th hit;
// "name=error" (or "name=error@N") makes failpoint_error(name) return an
// error instead, at every hit (from the N-th on). Unit tests arm them in-process with arm_failpoints().
// Always compiled in; when none is armed a hit costs one predictable branch.
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mend {

// Call once from main before any thread starts (reads the environment).
void init_failpoints_from_env();
// Same syntax as MEND_FAILPOINTS; replaces what was armed ("" disarms all).
// For single-threaded tests.
void arm_failpoints(const std::string& spec);

namespace detail {
extern bool g_failpoints_armed;
void failpoint_hit(std::string_view name);
Result<void> failpoint_error_hit(std::string_view name);
}  // namespace detail

// Exits the process when `name` is armed to exit (an error-armed point is
// ignored here: the caller has no error to return).
inline void failpoint(std::string_view name) {
  if (detail::g_failpoints_armed) [[unlikely]]
    detail::failpoint_hit(name);
}

// Exits like failpoint(), or returns an unavailable error naming the point
// when it is armed with "=error"; ok otherwise.
inline Result<void> failpoint_error(std::string_view name) {
  if (detail::g_failpoints_armed) [[unlikely]]
    return detail::failpoint_error_hit(name);
  return ok();
}

}  // namespace mend
