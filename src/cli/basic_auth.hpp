#pragma once
// HTTP basic authentication for --user USER:PASS.
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mend::cli {

// Standard base64 (RFC 4648) with padding.
std::string base64_encode(std::string_view data);

// The Authorization header value for "user:password".
// Errors: invalid_input when there is no ':' or the user is empty.
Result<std::string> basic_auth_header(std::string_view user_colon_password);

}  // namespace mend::cli
