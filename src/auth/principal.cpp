#include "auth/principal.hpp"

namespace mend::auth {

std::string_view to_string(PrincipalKind k) {
  switch (k) {
    case PrincipalKind::anonymous: return "anonymous";
    case PrincipalKind::user: return "user";
    case PrincipalKind::service: return "service";
    case PrincipalKind::agent: return "agent";
  }
  return "anonymous";
}

std::string_view to_string(AuthMethod m) {
  switch (m) {
    case AuthMethod::none: return "none";
    case AuthMethod::open: return "open";
    case AuthMethod::basic: return "basic";
    case AuthMethod::bearer: return "bearer";
    case AuthMethod::session: return "session";
  }
  return "none";
}

std::string Access::describe() const {
  switch (kind_) {
    case Kind::open: return "open";
    case Kind::signed_in: return "signed-in";
    case Kind::permission: return std::string(to_string(permission_));
  }
  return "open";
}

}  // namespace mend::auth
