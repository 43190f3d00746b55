#pragma once
// The checks a server applies to an agent's first frame, apart from the socket.
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "proto/agent_messages.hpp"

namespace mend {

inline constexpr size_t kMaxIdentLength = 255;

// An ident is 1..255 bytes with no control characters.
bool valid_ident(std::string_view ident);

// Accepts a Hello when `expected_token` is empty or equals the Hello's token,
// and its ident and labels are valid (proto::check_labels). Errors:
// unauthorized ("bad token"), invalid_input (a reason fit to send back in
// Refused; "bad label ..." for labels, on which the agent stops).
Result<void> check_hello(const proto::Hello& hello, std::string_view expected_token);

}  // namespace mend
