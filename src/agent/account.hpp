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
// The agent's own account is looked up once per process and reused (a change
// to it in /etc/passwd is seen by the next supervisor, which is a new process).
Result<Account> resolve_account(const std::string& name);

// Looks up the process's own account now (loading the user-database modules),
// so that the first script does not pay for it.
void warm_account_lookup();

}  // namespace mend::agent
