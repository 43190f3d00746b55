#include "auth/accounts.hpp"

#include <cctype>
#include <functional>

#include "auth/in_tx.hpp"
#include "auth/password.hpp"
#include "store/audit_chain.hpp"

namespace mend::auth {

namespace {

constexpr const char* kBadCredentials = "unauthorized: the user or password is not accepted";
// Touch a session or token at most this often: a write per request would
// make every read a write.
constexpr int64_t kTouchEveryMs = 60'000;

// A credential (a session, an API token) and the user it belongs to, read in
// one transaction. `find` reads the credential; it has a user_id.
template <class Credential>
struct CredentialAndUser {
  std::optional<Credential> credential;
  std::optional<StoredUser> user;
};

template <class Credential>
Result<CredentialAndUser<Credential>> find_with_user(
    Store& store, const std::function<Result<std::optional<Credential>>(StoreTx&)>& find) {
  return in_tx<CredentialAndUser<Credential>>(store, false, [&](StoreTx& tx) -> Result<CredentialAndUser<Credential>> {
    CredentialAndUser<Credential> out;
    MEND_ASSIGN_OR_RETURN(out.credential, find(tx));
    if (out.credential) {
      MEND_ASSIGN_OR_RETURN(out.user, tx.find_user_by_id(out.credential->user_id));
    }
    return out;
  });
}

}  // namespace

Result<void> check_user_name(const std::string& name) {
  bool good = !name.empty() && name.size() <= 64;
  for (char c : name)
    good &= std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '@' || c == '-';
  if (!good) return make_error(ErrorCode::invalid_input, "a user name is 1 to 64 of A-Z a-z 0-9 . _ @ -");
  return ok();
}

Result<Principal> Accounts::principal_for(const StoredUser& u, AuthMethod method) {
  const Role* role = find_role(u.role);
  if (!role) return make_error(ErrorCode::unauthorized, "unauthorized: user " + u.name + " has an unknown role");
  Principal p;
  p.kind = u.kind == "service" ? PrincipalKind::service : PrincipalKind::user;
  p.name = u.name;
  p.role = u.role;
  p.permissions = role->permissions;
  p.method = method;
  p.user_id = u.id;
  return p;
}

Result<std::optional<Principal>> Accounts::by_password(const std::string& user, const std::string& password,
                                                       const std::string& remote) {
  if (int64_t wait = throttle_.wait_ms(user, remote); wait > 0)
    return make_error(ErrorCode::unauthorized, "unauthorized: too many failed sign-ins; try again in " +
                                                   std::to_string((wait + 999) / 1000) + " s");
  auto found = in_tx<std::optional<StoredUser>>(store_, false, [&](StoreTx& tx) { return tx.find_user(user); });
  if (!found.ok()) return found.error();
  // An unknown user costs the same hash as a known one, so timing does not
  // tell which names exist.
  static const std::string kDummy = hash_password("not a real password").value();
  const bool known = found->has_value() && !(*found)->password_hash.empty() && !(*found)->disabled;
  // API clients send Basic credentials with every request (mendctl polls a
  // task it follows): a password verified recently is remembered by a digest
  // of it and its stored hash, so argon2id runs once a minute per client, not
  // per request. A new password changes the stored hash, and so the digest.
  const int64_t now = clock_.now_ms();
  const std::string digest = known ? sha256_hex((*found)->password_hash + "\n" + password) : "";
  auto cached = known ? verified_.find(digest) : verified_.end();
  bool match = cached != verified_.end() && cached->second > now;
  if (!match) {
    match = verify_password(password, known ? (*found)->password_hash : kDummy) && known;
    if (match) {
      if (verified_.size() >= 1000) verified_.clear();
      verified_[digest] = now + 60'000;
    }
  }
  if (!match) {
    throttle_.failed(user, remote);
    if (!found->has_value()) return std::optional<Principal>();  // perhaps a configured user: the resolver says
    return make_error(ErrorCode::unauthorized, kBadCredentials);
  }
  throttle_.succeeded(user);
  MEND_ASSIGN_OR_RETURN(Principal p, principal_for(**found, AuthMethod::basic));
  return std::optional<Principal>(std::move(p));
}

Result<NewSession> Accounts::sign_in(const std::string& user, const std::string& password, const std::string& remote) {
  auto who = by_password(user, password, remote);
  if (!who.ok()) return who.error();
  if (!who->has_value()) return make_error(ErrorCode::unauthorized, kBadCredentials);
  NewSession s;
  s.cookie_value = random_hex(32);
  s.principal = std::move(**who);
  s.principal.method = AuthMethod::session;
  s.principal.csrf_token = random_hex(32);
  s.principal.session_id_hash = sha256_hex(s.cookie_value);
  const int64_t now = clock_.now_ms();
  s.expires_ms = now + std::min(options_.session_idle_ms, options_.session_max_ms);
  StoredSession row{s.principal.session_id_hash, s.principal.user_id, s.principal.csrf_token,
                    source_address(remote),     now,                   s.expires_ms, now};
  MEND_TRY(store_.transact([&](StoreTx& tx) -> Result<void> {
    MEND_TRY(tx.delete_expired_sessions(now));
    return tx.insert_session(row);
  }));
  return s;
}

Result<bool> Accounts::sign_out(const std::string& id_hash) {
  return in_tx<bool>(store_, true, [&](StoreTx& tx) { return tx.delete_session(id_hash); });
}

Result<std::optional<Principal>> Accounts::by_session(const std::string& cookie_value) {
  const std::string id_hash = sha256_hex(cookie_value);
  const int64_t now = clock_.now_ms();
  MEND_ASSIGN_OR_RETURN(auto f, find_with_user<StoredSession>(
                                     store_, [&](StoreTx& tx) { return tx.find_session(id_hash); }));
  const auto& session = f.credential;
  if (!session || !f.user || f.user->disabled || session->expires_ms <= now) return std::optional<Principal>();
  if (now - session->last_seen_ms >= kTouchEveryMs) {
    int64_t expires = std::min(now + options_.session_idle_ms, session->created_ms + options_.session_max_ms);
    MEND_TRY(store_.transact([&](StoreTx& tx) { return tx.touch_session(id_hash, now, expires); }));
  }
  MEND_ASSIGN_OR_RETURN(Principal p, principal_for(*f.user, AuthMethod::session));
  p.csrf_token = session->csrf_token;
  p.session_id_hash = id_hash;
  return std::optional<Principal>(std::move(p));
}

Result<std::optional<Principal>> Accounts::by_token(const std::string& token) {
  const std::string hash = sha256_hex(token);
  const int64_t now = clock_.now_ms();
  MEND_ASSIGN_OR_RETURN(auto f, find_with_user<StoredToken>(
                                     store_, [&](StoreTx& tx) { return tx.find_token_by_hash(hash); }));
  const auto& stored = f.credential;
  if (!stored) return std::optional<Principal>();
  const std::string which = "the token '" + stored->name + "' (" + stored->prefix + "...)";
  if (stored->revoked_ms != 0) return make_error(ErrorCode::unauthorized, "unauthorized: " + which + " was revoked");
  if (stored->expires_ms != 0 && stored->expires_ms <= now)
    return make_error(ErrorCode::unauthorized, "unauthorized: " + which + " has expired");
  if (!f.user || f.user->disabled)
    return make_error(ErrorCode::unauthorized, "unauthorized: the owner of " + which + " is disabled");
  if (now - stored->last_used_ms >= kTouchEveryMs)
    MEND_TRY(store_.transact([&](StoreTx& tx) { return tx.touch_token(stored->id, now); }));
  MEND_ASSIGN_OR_RETURN(Principal p, principal_for(*f.user, AuthMethod::bearer));
  if (!stored->scopes.empty()) {
    auto scopes = PermissionSet::parse_list(stored->scopes);
    p.permissions = scopes.ok() ? (p.permissions & *scopes) : PermissionSet();
  }
  p.token_id = stored->id;
  return std::optional<Principal>(std::move(p));
}

Result<bool> Accounts::has_users() {
  if (users_seen_) return true;
  const int64_t now = clock_.now_ms();
  // Another server on the same database may create the first user: look
  // again now and then, not on every request.
  if (users_checked_ms_ != 0 && now - users_checked_ms_ < 2000) return false;
  users_checked_ms_ = now;
  MEND_ASSIGN_OR_RETURN(int64_t n, in_tx<int64_t>(store_, false, [](StoreTx& tx) { return tx.count_users(); }));
  users_seen_ = n > 0;
  return users_seen_;
}

Result<StoredUser> Accounts::create_user(const std::string& name, const std::string& kind, const std::string& role,
                                         const std::string& password) {
  MEND_TRY(check_user_name(name));
  if (kind != "user" && kind != "service")
    return make_error(ErrorCode::invalid_input, "kind must be user or service");
  MEND_TRY(require_role(role));
  StoredUser u;
  u.name = name;
  u.kind = kind;
  u.role = role;
  if (kind == "user") {
    MEND_TRY(check_password_policy(password));
    MEND_ASSIGN_OR_RETURN(u.password_hash, hash_password(password));
  } else if (!password.empty()) {
    return make_error(ErrorCode::invalid_input, "a service account has no password: give it tokens");
  }
  u.created_ms = u.updated_ms = clock_.now_ms();
  MEND_ASSIGN_OR_RETURN(u.id, in_tx<int64_t>(store_, true, [&](StoreTx& tx) { return tx.insert_user(u); }));
  users_seen_ = true;
  u.password_hash.clear();
  return u;
}

Result<StoredUser> Accounts::update_user(const std::string& name, const std::string& role,
                                         const std::string& password, std::optional<bool> disabled) {
  if (!role.empty()) MEND_TRY(require_role(role));
  std::string new_hash;
  if (!password.empty()) {
    MEND_TRY(check_password_policy(password));
    MEND_ASSIGN_OR_RETURN(new_hash, hash_password(password));
  }
  return in_tx<StoredUser>(store_, true, [&](StoreTx& tx) -> Result<StoredUser> {
    MEND_ASSIGN_OR_RETURN(auto found, tx.find_user(name));
    if (!found) return make_error(ErrorCode::not_found, "no user '" + name + "'");
    StoredUser u = *found;
    if (!role.empty()) u.role = role;
    if (!new_hash.empty()) {
      if (u.kind == "service")
        return make_error(ErrorCode::invalid_input, "a service account has no password: give it tokens");
      u.password_hash = new_hash;
    }
    if (disabled) u.disabled = *disabled;
    u.updated_ms = clock_.now_ms();
    MEND_TRY(tx.update_user(u));
    if (!new_hash.empty() || u.disabled || !role.empty()) MEND_TRY(tx.delete_user_sessions(u.id));
    u.password_hash.clear();
    return u;
  });
}

Result<std::vector<StoredUser>> Accounts::list_users() {
  return in_tx<std::vector<StoredUser>>(store_, false, [](StoreTx& tx) { return tx.list_users(); });
}

Result<std::optional<std::string>> Accounts::create_first_admin(const std::string& name, const std::string& password) {
  MEND_ASSIGN_OR_RETURN(int64_t n, in_tx<int64_t>(store_, false, [](StoreTx& tx) { return tx.count_users(); }));
  if (n > 0) return std::optional<std::string>();
  std::string pw = password.empty() ? random_hex(12) : password;
  auto made = create_user(name, "user", "admin", pw);
  if (!made.ok()) {
    // Another server sharing the database made it first.
    if (made.error().code == ErrorCode::conflict) return std::optional<std::string>();
    return made.error();
  }
  return std::optional<std::string>(pw);
}

Result<NewToken> Accounts::create_token(const std::string& owner, const std::string& name, const std::string& scopes,
                                        int64_t ttl_ms) {
  if (name.empty() || name.size() > 100) return make_error(ErrorCode::invalid_input, "a token needs a name (1-100 characters)");
  MEND_ASSIGN_OR_RETURN(PermissionSet wanted, PermissionSet::parse_list(scopes));
  if (ttl_ms < 0) return make_error(ErrorCode::invalid_input, "a token's lifetime must not be negative");
  NewToken out;
  out.token = "mend_" + random_hex(32);
  return in_tx<NewToken>(store_, true, [&](StoreTx& tx) -> Result<NewToken> {
    MEND_ASSIGN_OR_RETURN(auto user, tx.find_user(owner));
    if (!user) return make_error(ErrorCode::not_found, "no user '" + owner + "'");
    const Role* role = find_role(user->role);
    if (role && (wanted & role->permissions) != wanted)
      return make_error(ErrorCode::invalid_input,
                        "scopes beyond the role of " + owner + " (" + user->role + ") cannot be granted");
    StoredToken t;
    t.user_id = user->id;
    t.user_name = user->name;
    t.name = name;
    t.prefix = out.token.substr(0, 12);
    t.hash = sha256_hex(out.token);
    t.scopes = wanted.empty() ? "" : [&] {
      std::string s;
      for (const auto& n : wanted.names()) s += (s.empty() ? "" : ",") + n;
      return s;
    }();
    t.created_ms = clock_.now_ms();
    t.expires_ms = ttl_ms == 0 ? 0 : t.created_ms + ttl_ms;
    MEND_ASSIGN_OR_RETURN(t.id, tx.insert_token(t));
    NewToken done = out;
    done.row = t;
    return done;
  });
}

Result<std::vector<StoredToken>> Accounts::list_tokens(int64_t user_id) {
  return in_tx<std::vector<StoredToken>>(store_, false, [&](StoreTx& tx) { return tx.list_tokens(user_id); });
}

Result<std::optional<StoredToken>> Accounts::find_token(int64_t id) {
  return in_tx<std::optional<StoredToken>>(store_, false, [&](StoreTx& tx) { return tx.find_token(id); });
}

Result<StoredToken> Accounts::revoke_token(int64_t id) {
  return in_tx<StoredToken>(store_, true, [&](StoreTx& tx) -> Result<StoredToken> {
    MEND_ASSIGN_OR_RETURN(bool revoked, tx.revoke_token(id, clock_.now_ms()));
    MEND_ASSIGN_OR_RETURN(auto t, tx.find_token(id));
    if (!t) return make_error(ErrorCode::not_found, "no token " + std::to_string(id));
    if (!revoked) return make_error(ErrorCode::conflict, "token " + std::to_string(id) + " was revoked already");
    return *t;
  });
}

}  // namespace mend::auth
