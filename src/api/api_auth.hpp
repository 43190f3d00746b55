#pragma once
// Who may call /ibex/v1 and /api/v1 (the alert intake included): basic-auth
// users (Ibex's [BasicAuth], what Nightingale sends) and bearer tokens (what
// Alertmanager's and Grafana's webhooks send as `authorization: credentials`).
// Either kind admits a request; with none configured the API is open.
#include <string>
#include <string_view>
#include <vector>

#include "api/basic_auth.hpp"
#include "common/result.hpp"

namespace mend {

// A token from --api-token or the config: not empty, no spaces or control characters.
Result<std::string> parse_api_token(std::string_view token);

class ApiAuth {
 public:
  ApiAuth() = default;
  // Implicit: a BasicAuth alone is an ApiAuth without tokens.
  ApiAuth(BasicAuth basic,
          std::vector<std::string> bearer_tokens = {})  // NOLINT(google-explicit-constructor)
      : basic_(std::move(basic)), tokens_(std::move(bearer_tokens)) {}

  bool enabled() const { return basic_.enabled() || !tokens_.empty(); }
  // "" when the Authorization header admits the request (or auth is off);
  // otherwise why not, for the 401's message.
  std::string refusal(std::string_view authorization_header) const;
  // The WWW-Authenticate challenges for a 401, one per configured kind.
  std::vector<std::string> challenges() const;

 private:
  BasicAuth basic_;
  std::vector<std::string> tokens_;
};

}  // namespace mend
