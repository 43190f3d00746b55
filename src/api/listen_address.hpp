#pragma once
// "HOST:PORT", ":PORT" (all interfaces) or "[V6]:PORT" as given to --http.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mend {

struct ListenAddress {
  std::string host;  // "0.0.0.0" when the flag gave none
  uint16_t port = 0;  // 0: the system picks one
};

// Errors: invalid_input with a message naming the problem.
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace mend
