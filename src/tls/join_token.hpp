#pragma once
// A join token as an admin hands it to a host:
//   mendjoin1.<id>.<secret>.<CA fingerprint>
// The id names the token (lists, logs), the secret proves it (only its hash
// is stored), and the CA's SHA-256 fingerprint lets the agent trust exactly
// Mend's CA from its first connection, with no trust on first use.
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mend::tls {

struct JoinTokenParts {
  std::string id;
  std::string secret;
  std::string ca_fingerprint;
};

std::string format_join_token(const JoinTokenParts& parts);
// Errors: invalid_input (not a join token; the message never repeats the secret).
Result<JoinTokenParts> parse_join_token(std::string_view token);

}  // namespace mend::tls
