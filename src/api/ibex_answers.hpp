#pragma once
// Ibex's words, and the small rules of how Ibex reads ids, for the /ibex/v1
// routes. Nightingale shows these texts to its users and some clients match
// them, so they are Ibex's exactly (Ibex v1.2.0, the version Nightingale
// v6.7.3's docker compose ships; v1.3 differs only where noted).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace mend {

namespace ibex_text {
// 404 for a task id Ibex does not know (get, stdout/stderr, .json, actions).
inline constexpr const char* kNoSuchTaskMeta = "no such task meta";
// 404 from stdout.txt/stderr.txt, as plain text.
inline constexpr const char* kNoSuchTask = "no such task";
// 200 with err: an action on a finished task. Ibex v1.3 and later say "no
// more taskAction can do" for host actions; v1.2.0 says this for both.
inline constexpr const char* kTaskFinished = "task already finished, no more action can do";
// 200 with err: a task action other than start, pause, cancel, kill.
inline constexpr const char* kActionInvalid = "action invalid";
// 200 with err: a host kill on a host that is not running or timed out.
inline constexpr const char* kCannotKill = "current status cannot kill";
// 200 with err: a host kill or redo on a host the task does not have.
inline constexpr const char* kNoSuchHost = "no such host";
// 200 in dat: a host ignored while its task is paused.
inline constexpr const char* kIgnoreWhilePaused = "you can click start to run the task";
// 200 with err: done-ids without any id.
inline constexpr const char* kIdsEmpty = "arg(ids) empty";
// 400: a create whose hosts are all empty or commented out.
inline constexpr const char* kHostsEmpty = "arg(hosts) empty";
}  // namespace ibex_text

// A task id in a path, read as Go's strconv.ParseInt reads it: an optional
// sign and decimal digits; 0 and negative ids parse (they name no task).
// Errors: invalid_input "cannot convert <text> to int64" (Ibex answers 400).
Result<int64_t> parse_ibex_id(std::string_view text);

// The ids of done-ids' "ids=1,2,3", as Ibex reads them: split on ",", entries
// that are not integers (empty, spaces, words) skipped, order and repeats kept.
std::vector<int64_t> parse_ibex_ids(std::string_view csv);

// Ibex's error for a query parameter that is not an integer: "cannot convert
// [abc] to int" (limit, p) or "... to int64" (days).
std::string ibex_bad_query_int(std::string_view value, bool int64);

// The .json outputs' answer for a host the task does not have; Ibex's
// spelling, "eixsts", kept because it is what Ibex says.
std::string ibex_host_not_exists(int64_t task_id, std::string_view host);

}  // namespace mend
