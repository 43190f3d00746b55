#pragma once
// Turns a request's credentials into a Principal, once, at the edge. Sources,
// in order: a session cookie (the console), then the Authorization header:
// Bearer (a stored API token, else a configured --api-token) or Basic (a
// stored user's password, else a configured --basic-auth user).
//
// Configured credentials predate users and roles; each kind maps to one
// configured role (admin by default, so an Ibex/Nightingale setup keeps
// working unchanged). On an open server (no credentials of any kind exist)
// every request is the anonymous principal with every permission, as before
// users existed.
//
// Threading: the server's one io_context thread.
#include <optional>
#include <string>
#include <vector>

#include "auth/basic_auth.hpp"
#include "auth/principal.hpp"
#include "common/result.hpp"

namespace mend::auth {

// Stored users, sessions and tokens (auth/store_directory.hpp reads them from
// the Store). Each answers nullopt when the credential is not one it knows, so
// configured credentials are tried next; unauthorized (with a message fit for
// the caller) when it knows it and refuses it (wrong password, expired or
// revoked token, too many failures); unavailable when the database is.
class Directory {
 public:
  virtual ~Directory() = default;
  virtual Result<std::optional<Principal>> by_password(const std::string& user, const std::string& password,
                                                       const std::string& remote) = 0;
  virtual Result<std::optional<Principal>> by_session(const std::string& cookie_value) = 0;
  virtual Result<std::optional<Principal>> by_token(const std::string& token) = 0;
  // Whether any stored user exists: a server with users is never open.
  virtual Result<bool> has_users() = 0;
};

struct Credentials {
  std::string authorization;   // the Authorization header
  std::string session_cookie;  // the mend_session cookie's value
  std::string remote;
};

struct Resolution {
  Principal principal;  // anonymous (method none) when refused or when nothing was presented
  // Why presented credentials were refused; empty when accepted or absent.
  std::string refusal;
  bool unavailable = false;  // the database could not be asked: 503, not 401
};

struct ResolverOptions {
  // No credentials needed: everyone is the anonymous principal with every
  // permission. Only when nothing else is configured (see mend-server --auth).
  bool open = false;
  std::vector<BasicAuthUser> basic_users;
  std::string basic_role = "admin";
  std::vector<std::string> api_tokens;
  std::string api_token_role = "admin";
};

class PrincipalResolver {
 public:
  // `directory` may be null (no stored users); it must outlive the resolver.
  // Errors: invalid_input for an unknown role.
  static Result<PrincipalResolver> make(ResolverOptions options, Directory* directory);

  Resolution resolve(const Credentials& credentials) const;
  // The WWW-Authenticate challenges for a 401.
  std::vector<std::string> challenges() const;
  bool open() const { return options_.open; }

 private:
  PrincipalResolver(ResolverOptions o, Directory* d) : options_(std::move(o)), directory_(d) {}
  Resolution bearer(const std::string& token, const std::string& remote) const;
  Resolution basic(const std::string& header, const std::string& remote) const;

  ResolverOptions options_;
  Directory* directory_ = nullptr;
};

// A token from --api-token or the config: not empty, no spaces or control characters.
Result<std::string> parse_api_token(std::string_view token);

}  // namespace mend::auth
