#pragma once
// mendctl's commands. Each one talks to the server through ServerApi, writes
// to Console and returns the process exit code (see console.hpp). Option
// parsing lives in apps/mendctl_main.cpp.
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "cli/console.hpp"
#include "cli/follow.hpp"
#include "cli/run_options.hpp"
#include "cli/server_api.hpp"

namespace mend::cli {

// `mendctl run`: reads the script (and stdin text), creates the task, then
// follows it unless options.no_wait (then prints only the id).
// stdin_stream is what "-" reads; creator is recorded on the task.
int run_command(const ServerApi& api, const RunOptions& options, const std::string& creator,
                std::istream& stdin_stream, Console& console, const FollowOptions& follow);

// `mendctl task watch ID`: follows a task (after `run --no-wait`, or another
// terminal's), with run's progress view, report and exit codes.
int task_watch_command(const ServerApi& api, int64_t id, Console& console, const FollowOptions& follow);

// `mendctl task rerun ID [--no-wait]`: a new task on the failed hosts of
// finished task ID (linked to it), followed like `run`.
int task_rerun_command(const ServerApi& api, int64_t id, const std::string& creator, bool no_wait, Console& console,
                       const FollowOptions& follow);

// `mendctl task show ID [--output]`
int task_show_command(const ServerApi& api, int64_t id, bool with_output, Console& console);

// `mendctl task action ID start|pause|cancel|kill`
int task_action_command(const ServerApi& api, int64_t id, const std::string& action,
                        Console& console);

// `mendctl host action ID HOST ignore|kill|redo`
int host_action_command(const ServerApi& api, int64_t id, const std::string& host,
                        const std::string& action, Console& console);

// `mendctl task list [--query Q] [--limit N]`
int task_list_command(const ServerApi& api, const std::string& query, int limit, Console& console);

// `mendctl agents`; now_ms is the wall clock used for "last seen Ns ago".
int agents_command(const ServerApi& api, int64_t now_ms, Console& console);
// `mendctl agents join-token`: prints the token alone on stdout (for scripts),
// what it allows on stderr.
struct JoinTokenOptions {
  std::string host;
  std::string pattern;
  int64_t max_hosts = 1;
  int64_t ttl_s = 3600;
};
int join_token_command(const ServerApi& api, const JoinTokenOptions& options, Console& console);
// `mendctl agents revoke HOST`.
int revoke_agent_command(const ServerApi& api, const std::string& host, Console& console);
// `mendctl agents revoke-token ID`: no host enrolls with the token afterwards.
int revoke_join_token_command(const ServerApi& api, const std::string& id, Console& console);
// `mendctl doctor [--repair]`: prints each broken invariant; exit 0 when none
// is left (all repaired, or none found), 1 otherwise.
int doctor_command(const ServerApi& api, bool repair, Console& console);

// Filters of `mendctl heal records`, as GET /api/v1/heal/records takes them.
// since/until: epoch milliseconds, an RFC 3339 time, or a duration before now
// ("90s", "15m", "2h", "7d"); empty for no bound.
struct HealRecordFilter {
  std::string rule;
  std::string host;
  std::string decision;
  std::string since;
  std::string until;
  int limit = 50;
};
// A --since/--until value as the server takes it (epoch ms or RFC 3339):
// durations before now resolved against now_ms.
Result<std::string> time_query_bound(const char* name, const std::string& value, int64_t now_ms);
// The query string for `filter` (durations resolved against now_ms); an
// invalid_input error names a since/until that is none of the accepted forms.
Result<std::string> heal_records_query(const HealRecordFilter& filter, int64_t now_ms);
// `mendctl heal records [--rule R] [--host H] [--decision D] [--since T] [--until T] [--limit N]`
int heal_records_command(const ServerApi& api, const HealRecordFilter& filter, int64_t now_ms, Console& console);
// `mendctl heal rules [--minutes N]`: per-rule runs, outcomes, resolutions
// within N minutes of a successful run, and breaker state. Exit 1 when a
// breaker is open (someone has to look), else 0.
int heal_rules_command(const ServerApi& api, int64_t resolved_within_minutes, int64_t now_ms, Console& console);
// `mendctl heal check-rules FILE [--template NAME...]`: parses a rules file as
// the server would, offline; `known_templates` stand for templates defined
// through the API. Prints the problems (each with its line) and exits 1, or
// a summary and 0.
int check_rules_command(const std::string& path, const std::vector<std::string>& known_templates, Console& console);
// `mendctl reload`: POST /api/v1/reload; the server rereads its rules file.
int reload_command(const ServerApi& api, Console& console);

// `mendctl heal close-breaker RULE`
int heal_close_breaker_command(const ServerApi& api, const std::string& rule, Console& console);

// `mendctl users list|add|set|passwd|disable|enable` (user.manage).
int users_list_command(const ServerApi& api, Console& console);
// kind "user" needs a password; "service" has none (give it tokens).
int users_add_command(const ServerApi& api, const std::string& name, const std::string& kind, const std::string& role,
                      const std::string& password, Console& console);
// Any of role, password (non-empty) and disabled.
int users_set_command(const ServerApi& api, const std::string& name, const std::string& role,
                      const std::string& password, std::optional<bool> disabled, Console& console);

// `mendctl tokens list|create|revoke [--for USER]`: the caller's own tokens,
// or USER's (user.manage). create prints the token once.
int tokens_list_command(const ServerApi& api, const std::string& for_user, int64_t now_ms, Console& console);
int tokens_create_command(const ServerApi& api, const std::string& for_user, const std::string& name,
                          const std::string& scopes, int64_t ttl_days, Console& console);
int tokens_revoke_command(const ServerApi& api, const std::string& for_user, int64_t id, Console& console);

// `mendctl groups list|show|add|set|delete|grant` (changes need user.manage).
int groups_list_command(const ServerApi& api, Console& console);
int groups_show_command(const ServerApi& api, const std::string& name, Console& console);
// hosts: comma-separated names or globs; labels: a selector, "env=prod,team=db"
// ("" clears it). create: POST, else PUT what is given.
int groups_save_command(const ServerApi& api, const std::string& name, const std::optional<std::string>& hosts,
                        const std::optional<std::string>& description, bool create, Console& console,
                        const std::optional<std::string>& labels = std::nullopt);
int groups_delete_command(const ServerApi& api, const std::string& name, Console& console);
// access: read, write, or none (removes the grant).
int groups_grant_command(const ServerApi& api, const std::string& name, const std::string& user,
                         const std::string& access, Console& console);
// `mendctl templates run NAME --hosts h1,h2`: a task from a saved template
// (task.run_template; each host in a group where the caller may write).
int template_run_command(const ServerApi& api, const std::string& name, const std::string& hosts, Console& console);

struct AuditFilter {
  std::string actor;
  std::string action;
  std::string target;
  std::string outcome;
  std::string since;  // as for heal records: ms, RFC 3339 or a duration before now
  std::string until;
  int limit = 50;
};
// `mendctl audit [filters]`: newest first.
int audit_list_command(const ServerApi& api, const AuditFilter& filter, int64_t now_ms, Console& console);
// `mendctl audit export`: every record as JSON lines, oldest first, paged.
int audit_export_command(const ServerApi& api, Console& console);
// `mendctl audit verify`: exit 0 when the chain is intact, 1 when it is broken
// (each break printed), 2 on errors.
int audit_verify_command(const ServerApi& api, Console& console);

}  // namespace mend::cli
