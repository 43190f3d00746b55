#pragma once
// HTTP basic authentication for --user USER:PASS.
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mend::cli {

// The Authorization header value for "user:password".
// Errors: invalid_input when there is no ':' or the user is empty.
Result<std::string> basic_auth_header(std::string_view user_colon_password);

}  // namespace mend::cli
