#pragma once
// Stored users, browser sessions and API tokens: signing in and out, and
// telling the PrincipalResolver who a cookie, token or password belongs to.
//
// Secrets are stored hashed: passwords with argon2id (password.hpp), session
// cookies and API tokens with SHA-256 (they are 32 random bytes, so a slow
// hash adds nothing). A token's permissions are its owner's role narrowed to
// its scopes; a disabled owner's tokens and sessions stop working at once.
//
// Threading: the server's one io_context thread. Every change is one store
// transaction (the API's audit record joins it, see audited_store.hpp).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "auth/principal_resolver.hpp"
#include "auth/sign_in_throttle.hpp"
#include "common/clock.hpp"
#include "store/store.hpp"

namespace mend::auth {

struct AccountsOptions {
  int64_t session_idle_ms = 12 * 3600'000;      // a session unused this long ends
  int64_t session_max_ms = 7 * 24 * 3600'000;   // and every session ends after this
};

struct NewSession {
  std::string cookie_value;  // the secret for the mend_session cookie
  Principal principal;       // with csrf_token set
  int64_t expires_ms = 0;
};

struct NewToken {
  std::string token;  // shown once; only its hash is kept
  StoredToken row;
};

class Accounts final : public Directory {
 public:
  Accounts(Store& store, const Clock& clock, AccountsOptions options = {})
      : store_(store), clock_(clock), options_(options), throttle_(clock) {}

  // Directory
  Result<std::optional<Principal>> by_password(const std::string& user, const std::string& password,
                                               const std::string& remote) override;
  Result<std::optional<Principal>> by_session(const std::string& cookie_value) override;
  Result<std::optional<Principal>> by_token(const std::string& token) override;
  Result<bool> has_users() override;

  // Checks the password (throttled per user and source) and starts a session.
  // unauthorized with a message fit to show when refused.
  Result<NewSession> sign_in(const std::string& user, const std::string& password, const std::string& remote);
  // Ends the session of the cookie; false when there was none.
  Result<bool> sign_out(const std::string& session_id_hash);

  // Users. Names: 1-64 of [A-Za-z0-9._@-]. A service account has no password.
  Result<StoredUser> create_user(const std::string& name, const std::string& kind, const std::string& role,
                                 const std::string& password);
  // Changes what is given (role "", password "" and disabled nullopt leave it).
  // A new password or disabling ends the user's sessions.
  Result<StoredUser> update_user(const std::string& name, const std::string& role, const std::string& password,
                                 std::optional<bool> disabled);
  Result<std::vector<StoredUser>> list_users();
  // The first start: when no user exists, creates admin `name` with
  // `password` (or a random one when empty) and returns the password used;
  // nullopt when users exist already.
  Result<std::optional<std::string>> create_first_admin(const std::string& name, const std::string& password);

  // Tokens. scopes: "" (the owner's whole role) or permissions the owner's
  // role holds. ttl_ms 0: never expires.
  Result<NewToken> create_token(const std::string& owner, const std::string& name, const std::string& scopes,
                                int64_t ttl_ms);
  Result<std::vector<StoredToken>> list_tokens(int64_t user_id);
  Result<StoredToken> revoke_token(int64_t id);
  Result<std::optional<StoredToken>> find_token(int64_t id);

 private:
  Result<Principal> principal_for(const StoredUser& u, AuthMethod method);
  Store& store_;
  const Clock& clock_;
  AccountsOptions options_;
  SignInThrottle throttle_;
  std::map<std::string, int64_t> verified_;  // digest of (hash, password) -> until when
  bool users_seen_ = false;
  int64_t users_checked_ms_ = 0;
};

// Validates a user name: invalid_input saying what is allowed.
Result<void> check_user_name(const std::string& name);

}  // namespace mend::auth
