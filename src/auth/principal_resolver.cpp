#include "auth/principal_resolver.hpp"

#include <cctype>

#include "common/same_secret.hpp"

namespace mend::auth {

namespace {

bool starts_with_scheme(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return false;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != std::tolower(static_cast<unsigned char>(scheme[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

Resolution accepted(Principal p, const std::string& remote) {
  p.remote = remote;
  return Resolution{std::move(p), "", false};
}

Resolution refused(std::string why, const std::string& remote, bool unavailable = false) {
  Principal p;
  p.name = "anonymous";
  p.remote = remote;
  return Resolution{std::move(p), std::move(why), unavailable};
}

// A directory's answer: a principal, "not mine" (nullopt), or a refusal.
Resolution from_directory(const Result<std::optional<Principal>>& r, const std::string& remote) {
  if (!r.ok()) return refused(r.error().message, remote, r.error().code == ErrorCode::unavailable);
  return accepted(**r, remote);
}

Principal configured(PrincipalKind kind, std::string name, const std::string& role, AuthMethod method) {
  Principal p;
  p.kind = kind;
  p.name = std::move(name);
  p.role = role;
  p.permissions = find_role(role)->permissions;
  p.method = method;
  return p;
}

}  // namespace

Result<std::string> parse_api_token(std::string_view token) {
  if (token.empty()) return make_error(ErrorCode::invalid_input, "an API token must not be empty");
  for (char c : token)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
      return make_error(ErrorCode::invalid_input, "an API token must not contain spaces or control characters");
  return std::string(token);
}

Result<PrincipalResolver> PrincipalResolver::make(ResolverOptions options, Directory* directory) {
  MEND_TRY(require_role(options.basic_role));
  MEND_TRY(require_role(options.api_token_role));
  return PrincipalResolver(std::move(options), directory);
}

Resolution PrincipalResolver::bearer(const std::string& token, const std::string& remote) const {
  if (directory_) {
    auto r = directory_->by_token(token);
    if (!r.ok() || r->has_value()) return from_directory(r, remote);
  }
  for (size_t i = 0; i < options_.api_tokens.size(); ++i)
    if (same_secret(token, options_.api_tokens[i]))
      return accepted(configured(PrincipalKind::service, "api-token-" + std::to_string(i + 1),
                                 options_.api_token_role, AuthMethod::bearer),
                      remote);
  return refused("unauthorized: the bearer token is not accepted", remote);
}

Resolution PrincipalResolver::basic(const std::string& header, const std::string& remote) const {
  auto given = parse_basic_authorization(header);
  if (!given) return refused("unauthorized: malformed Basic credentials", remote);
  // Configured users first: they are checked in memory, and a stored user of
  // the same name cannot shadow what an Ibex setup relies on.
  for (const auto& u : options_.basic_users)
    if (same_secret(given->user, u.user) && same_secret(given->password, u.password))
      return accepted(configured(PrincipalKind::user, u.user, options_.basic_role, AuthMethod::basic), remote);
  if (directory_) {
    auto r = directory_->by_password(given->user, given->password, remote);
    if (!r.ok() || r->has_value()) {
      Resolution out = from_directory(r, remote);
      if (out.refusal.empty()) out.principal.method = AuthMethod::basic;
      return out;
    }
  }
  return refused("unauthorized: the user or password is not accepted", remote);
}

Resolution PrincipalResolver::resolve(const Credentials& c) const {
  std::string_view header = trim(c.authorization);
  if (!c.session_cookie.empty() && directory_ && header.empty()) {
    auto r = directory_->by_session(c.session_cookie);
    if (!r.ok() || r->has_value()) return from_directory(r, c.remote);
    // An unknown or expired cookie on an open server is no reason to refuse.
    if (!options_.open) return refused("unauthorized: the session has expired or was signed out", c.remote);
  }
  if (options_.open) {
    bool closed = false;
    if (directory_) {
      auto users = directory_->has_users();
      // Not knowing whether users exist is no reason to let anyone in, nor
      // to say "unauthorized": the database is away (503).
      if (!users.ok()) return refused(users.error().message, c.remote, users.error().code == ErrorCode::unavailable);
      closed = *users;
    }
    if (!closed) {
      Principal p;
      p.name = "anonymous";
      p.role = "admin";
      p.permissions = PermissionSet::all();
      p.method = AuthMethod::open;
      return accepted(std::move(p), c.remote);
    }
  }
  if (header.empty()) return refused("", c.remote);
  // The scheme is read before trailing spaces go: "Bearer " is an empty token.
  std::string_view raw = c.authorization;
  while (!raw.empty() && raw.front() == ' ') raw.remove_prefix(1);
  if (starts_with_scheme(raw, "Bearer")) return bearer(std::string(trim(raw.substr(7))), c.remote);
  if (starts_with_scheme(raw, "Basic")) return basic(std::string(raw), c.remote);
  return refused("unauthorized: unsupported Authorization scheme (use Basic or Bearer)", c.remote);
}

std::vector<std::string> PrincipalResolver::challenges() const {
  return {"Basic realm=\"mend\"", "Bearer realm=\"mend\""};
}

}  // namespace mend::auth
