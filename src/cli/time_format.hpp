#pragma once
// Durations and timestamps as people read them.
#include <cstdint>
#include <string>

namespace mend::cli {

// "0s", "45s", "3m05s", "2h05m", "3d04h"; negative durations count as 0.
std::string format_duration(int64_t ms);

// "12s ago", "3m05s ago"; "never" when then_ms is 0; "just now" for a time
// in the future (clock skew between mendctl and the server).
std::string format_ago(int64_t now_ms, int64_t then_ms);

// "2024-05-01 13:04:05 +0200": in the local time zone with its offset, or in
// UTC ("... +0000") when `utc`; "-" for 0. Every command prints times this one way.
std::string format_time(int64_t epoch_ms, bool utc);

}  // namespace mend::cli
