#pragma once
// The pieces of HTTP basic authentication (Ibex's [BasicAuth], what Nightingale sends).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace mend::auth {

struct BasicAuthUser {
  std::string user;
  std::string password;
};

// "USER:PASS" (the password may contain ':'). Errors: invalid_input when
// there is no ':' or the user is empty.
Result<BasicAuthUser> parse_basic_auth_user(std::string_view user_colon_password);

// The (user, password) in an "Authorization: Basic ..." header value, or nullopt.
std::optional<BasicAuthUser> parse_basic_authorization(std::string_view header_value);


}  // namespace mend::auth
