#pragma once
// Secrets (tokens, passwords) read from files, so they never appear on a
// command line, where `ps` and /proc/PID/cmdline show them to every local user.
// The one reader of secret files: the settings tables' `*-file` forms
// (common/settings.hpp) and mendctl's --token-file/--user-file use it.
#include <string>
#include <vector>

#include "common/result.hpp"

namespace mend {

struct SecretLines {
  // Each non-empty line, without its line ending and surrounding blanks.
  std::vector<std::string> lines;
  // Set when other local users may read the file (see others_may_read): the
  // caller logs it (the secret still works; refusing would break a running setup).
  std::string warning;
};

// Reads `path` for `what` (named in errors, e.g. "--api-token-file").
// Errors (invalid_input): the file cannot be read (with the reason), or it
// holds no non-empty line.
Result<SecretLines> read_secret_lines(const std::string& path, const std::string& what);

// The one secret of a file that must hold exactly one (the agent token):
// its only non-empty line. More than one line is an error.
Result<std::string> read_one_secret(const std::string& path, const std::string& what, std::string* warning);

// A warning naming `what` when every local user may read or write `path`
// (its "others" permission bits). Group bits are the operator's deliberate
// choice (the packages keep secrets root:mend 0640 for the service) and pass.
// Empty when fine, or when the file cannot be examined.
std::string others_may_read(const std::string& path, const std::string& what);

// The warning to print when a secret was given as a command-line flag:
// "--agent-token on the command line is visible to every local user (ps); use --agent-token-file".
std::string secret_flag_warning(const std::string& flag, const std::string& safer);

}  // namespace mend
