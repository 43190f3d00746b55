#pragma once
// Who is calling, resolved once at the edge (api/) from the request's
// credentials. Handlers and everything below them see a Principal, never a
// password or token.
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/permission.hpp"

namespace mend::auth {

enum class PrincipalKind {
  anonymous,  // no credentials (or an open server: then with the admin role's permissions)
  user,       // a person: a stored user, or a --basic-auth user
  service,    // a service account or a configured --api-token
  agent,
};

// How the principal proved who it is; recorded in the audit log.
enum class AuthMethod { none, open, basic, bearer, session };

std::string_view to_string(PrincipalKind k);
std::string_view to_string(AuthMethod m);

struct Principal {
  PrincipalKind kind = PrincipalKind::anonymous;
  std::string name;   // user or service account name; "anonymous" when none
  std::string role;   // role name; "" when none
  PermissionSet permissions;  // the role's, narrowed by a token's scopes
  AuthMethod method = AuthMethod::none;
  std::string remote;  // the peer's "ADDR:PORT"
  int64_t user_id = 0;    // the stored user, 0 for configured credentials
  int64_t token_id = 0;   // the stored token used, 0 otherwise
  // Set for AuthMethod::session: the token every non-GET request must repeat
  // in X-CSRF-Token.
  std::string csrf_token;
  std::string session_id_hash;  // which session, to sign out

  // False for a request that presented no acceptable credentials on a server
  // that needs them.
  bool signed_in() const { return method != AuthMethod::none; }
  bool may(Permission p) const { return permissions.has(p); }
};

// What a route demands; declared with the route (api/router.hpp).
class Access {
 public:
  enum class Kind { open, signed_in, permission };
  // Anyone, credentials or not: probes, /metrics, signing in.
  static Access open() { return Access(Kind::open, Permission::task_read); }
  // Any signed-in principal, whatever its permissions: its own session.
  static Access signed_in() { return Access(Kind::signed_in, Permission::task_read); }
  static Access need(Permission p) { return Access(Kind::permission, p); }

  Kind kind() const { return kind_; }
  Permission permission() const { return permission_; }
  // "open", "signed-in" or the permission's name.
  std::string describe() const;
  bool operator==(const Access& o) const {
    return kind_ == o.kind_ && (kind_ != Kind::permission || permission_ == o.permission_);
  }

 private:
  Access(Kind k, Permission p) : kind_(k), permission_(p) {}
  Kind kind_;
  Permission permission_;
};

}  // namespace mend::auth
