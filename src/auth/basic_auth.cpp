#include "auth/basic_auth.hpp"

#include <cctype>

#include "common/encoding.hpp"

namespace mend::auth {

Result<BasicAuthUser> parse_basic_auth_user(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos)
    return make_error(ErrorCode::invalid_input, "basic auth user must be USER:PASS");
  if (colon == 0) return make_error(ErrorCode::invalid_input, "basic auth user name is empty");
  return BasicAuthUser{std::string(s.substr(0, colon)), std::string(s.substr(colon + 1))};
}

std::optional<BasicAuthUser> parse_basic_authorization(std::string_view h) {
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  constexpr std::string_view kScheme = "basic";
  if (h.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(h[i])) != kScheme[i]) return std::nullopt;
  if (h[kScheme.size()] != ' ') return std::nullopt;
  h.remove_prefix(kScheme.size());
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  auto decoded = base64_decode(h);
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicAuthUser{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

}  // namespace mend::auth
