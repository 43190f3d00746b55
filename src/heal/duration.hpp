#pragma once
// Durations as people write them in rules: "30s", "5m", "1h", "1h30m",
// "500ms", "2d", or "0". A bare number other than 0 is refused: "30" could
// mean seconds or minutes, and guessing wrong silences a rule for an hour.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mend::heal {

// Errors: invalid_input naming the text.
Result<int64_t> parse_duration_ms(std::string_view text);
// The shortest text parse_duration_ms reads back: 90000 -> "1m30s", 0 -> "0".
std::string format_duration(int64_t ms);

}  // namespace mend::heal
