#pragma once
// HTTP basic authentication for /ibex/v1 and /api/v1 (Ibex's [BasicAuth]).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace mend {

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

class BasicAuth {
 public:
  BasicAuth() = default;
  explicit BasicAuth(std::vector<BasicAuthUser> users) : users_(std::move(users)) {}
  // Authentication is required when any user is configured.
  bool enabled() const { return !users_.empty(); }
  // True when disabled, or when the header names a configured user and password.
  bool allows(std::string_view authorization_header) const;

 private:
  std::vector<BasicAuthUser> users_;
};

}  // namespace mend
