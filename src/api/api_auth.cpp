#include "api/api_auth.hpp"

#include <cctype>

namespace mend {

namespace {

bool starts_with_scheme(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return false;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) !=
        std::tolower(static_cast<unsigned char>(scheme[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::string> parse_api_token(std::string_view token) {
  if (token.empty()) return make_error(ErrorCode::invalid_input, "an API token must not be empty");
  for (char c : token)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
      return make_error(ErrorCode::invalid_input,
                        "an API token must not contain spaces or control characters");
  return std::string(token);
}

std::string ApiAuth::refusal(std::string_view header) const {
  if (!enabled()) return "";
  std::string kinds;
  if (basic_.enabled()) kinds = "Basic with a --basic-auth user";
  if (!tokens_.empty())
    kinds += std::string(kinds.empty() ? "" : ", or ") + "Bearer with an --api-token";
  if (trim(header).empty())
    return "unauthorized: this endpoint needs an Authorization header (" + kinds + ")";
  if (starts_with_scheme(header, "Bearer")) {
    if (tokens_.empty())
      return "unauthorized: bearer tokens are not enabled on this server (use " + kinds + ")";
    std::string_view given = trim(header.substr(7));
    bool ok = false;
    for (const auto& t : tokens_) ok |= same_secret(given, t);
    return ok ? "" : "unauthorized: the bearer token is not accepted";
  }
  if (starts_with_scheme(header, "Basic")) {
    if (!basic_.enabled())
      return "unauthorized: basic auth is not enabled on this server (use " + kinds + ")";
    return basic_.allows(header) ? ""
                                 : "unauthorized: the basic-auth user or password is not accepted";
  }
  return "unauthorized: unsupported Authorization scheme (use " + kinds + ")";
}

std::vector<std::string> ApiAuth::challenges() const {
  std::vector<std::string> out;
  if (basic_.enabled()) out.push_back("Basic realm=\"mend\"");
  if (!tokens_.empty()) out.push_back("Bearer realm=\"mend\"");
  return out;
}

}  // namespace mend
