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

// Standard base64 (RFC 4648, padding optional). nullopt on a bad character.
std::optional<std::string> base64_decode(std::string_view text);

// The (user, password) in an "Authorization: Basic ..." header value, or nullopt.
std::optional<BasicAuthUser> parse_basic_authorization(std::string_view header_value);

// Compares secrets in time that depends only on their lengths.
bool same_secret(std::string_view given, std::string_view expected);


}  // namespace mend::auth
