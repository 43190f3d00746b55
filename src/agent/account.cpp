#include "agent/account.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace mend::agent {

namespace {

// getpwnam_r/getpwuid_r share this shape; the buffer grows on ERANGE.
template <class Lookup>
Result<Account> read_passwd(Lookup lookup, const std::string& what) {
  std::vector<char> buf(4096);
  passwd pw{};
  passwd* found = nullptr;
  while (true) {
    int rc = lookup(&pw, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < (1u << 20)) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (rc != 0) {
      return make_error(ErrorCode::unavailable,
                        "cannot read account '" + what + "': " + std::strerror(rc));
    }
    break;
  }
  if (!found) return make_error(ErrorCode::not_found, "unknown account '" + what + "'");
  Account a;
  a.name = pw.pw_name;
  a.uid = pw.pw_uid;
  a.gid = pw.pw_gid;
  a.home = pw.pw_dir && *pw.pw_dir ? pw.pw_dir : "/";
  a.shell = pw.pw_shell && *pw.pw_shell ? pw.pw_shell : "/bin/sh";
  return a;
}

Result<void> fill_groups(Account& a) {
  int n = 32;
  std::vector<gid_t> groups(n);
  while (getgrouplist(a.name.c_str(), a.gid, groups.data(), &n) == -1) {
    if (n <= static_cast<int>(groups.size())) {
      return make_error(ErrorCode::unavailable, "cannot read groups of '" + a.name + "'");
    }
    groups.resize(n);
  }
  groups.resize(n);
  a.groups = std::move(groups);
  return ok();
}

// The account this process runs as, looked up once: a script for the agent's
// own account (the usual case) then needs no user-database lookup, which
// reads files (and may ask a directory service) on every call.
const Account* own_account() {
  static const std::optional<Account> own = []() -> std::optional<Account> {
    const uid_t self = geteuid();
    auto a = read_passwd(
        [&](passwd* pw, char* b, size_t n, passwd** out) { return getpwuid_r(self, pw, b, n, out); },
        "uid " + std::to_string(self));
    if (!a) return std::nullopt;
    return *a;
  }();
  return own ? &*own : nullptr;
}

}  // namespace

void warm_account_lookup() { (void)own_account(); }

Result<Account> resolve_account(const std::string& name) {
  if (name.empty()) return make_error(ErrorCode::invalid_input, "empty account name");
  if (const Account* own = own_account(); own && own->name == name) return *own;
  MEND_ASSIGN_OR_RETURN(Account a, read_passwd(
                                       [&](passwd* pw, char* b, size_t n, passwd** out) {
                                         return getpwnam_r(name.c_str(), pw, b, n, out);
                                       },
                                       name));
  uid_t self = geteuid();
  if (a.uid == self) return a;  // root as root, or the agent's own user
  if (self != 0) {
    return make_error(ErrorCode::conflict, "agent runs as uid " + std::to_string(self) +
                                               " and cannot run scripts as '" + name +
                                               "'; run it as root or use its own account");
  }
  MEND_TRY(fill_groups(a));
  a.switch_user = true;
  return a;
}

}  // namespace mend::agent
