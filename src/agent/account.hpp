#pragma once
// The Unix account a script runs as, resolved in the agent (never in the
// forked child, where getpwnam may not be called safely).
#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.hpp"

namespace mend::agent {

struct Account {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups, the primary one included
  std::string home;
  std::string shell;
  // True when the child must switch identity (setgroups/setgid/setuid); false
  // when the script runs as the agent's own user.
  bool switch_user = false;
};

// Resolves `name` for a script started by this agent. "root" and the agent's
// own user run without switching. Errors: not_found for an unknown account
// ("unknown account 'x'"); conflict when the agent is not root and the account
// is another user; unavailable when the user database could not be read.
Result<Account> resolve_account(const std::string& name);

}  // namespace mend::agent
