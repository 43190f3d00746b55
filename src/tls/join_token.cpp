#include "tls/join_token.hpp"

#include <vector>

#include "common/strings.hpp"

namespace mend::tls {

namespace {
constexpr std::string_view kPrefix = "mendjoin1";

bool is_hex(std::string_view s) { return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string_view::npos; }
}  // namespace

std::string format_join_token(const JoinTokenParts& p) {
  return std::string(kPrefix) + "." + p.id + "." + p.secret + "." + p.ca_fingerprint;
}

Result<JoinTokenParts> parse_join_token(std::string_view token) {
  const std::vector<std::string> parts = split(token, ".");
  if (parts.size() != 4 || parts[0] != kPrefix || !is_hex(parts[1]) || parts[1].size() > 64 ||
      !is_hex(parts[2]) || parts[2].size() > 128 || !is_hex(parts[3]) || parts[3].size() != 64)
    return make_error(ErrorCode::invalid_input, "not a Mend join token (expected mendjoin1.<id>.<secret>.<sha256>)");
  return JoinTokenParts{parts[1], parts[2], parts[3]};
}

}  // namespace mend::tls
