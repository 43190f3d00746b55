#pragma once
// mendctl's commands. Each one talks to the server through ServerApi, writes
// to Console and returns the process exit code (see console.hpp). Option
// parsing lives in apps/mendctl_main.cpp.
#include <cstdint>
#include <istream>
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

}  // namespace mend::cli
