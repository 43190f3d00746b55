#pragma once
// A host's status and every rule about it, in one place: the statuses there
// are, which event moves a host from one to the next, and what each status
// means to the scheduler, the repair loop and the SQL of both backends.
//
// "Where does a host's status change?" Here: the engine (engine.cpp), the
// repair loop (engine_repair.cpp) and the backends' queries ask this file
// rather than list statuses themselves; host_states_test.cpp tests every
// (status, event) pair.
//
//   waiting --dispatch--> running --result--> success | failed | timeout | killed | killfailed | lost
//   waiting --cancel--> cancelled         running --deadline--> timeout --result--> (as reported)
//   running | timeout --kill--> killing --result--> (as reported)
//                                killing --kill_unanswered--> killfailed --result--> (as reported)
//   running | killing --lost--> lost (repair: the dispatch ended without a result)
//   any --ignore--> ignored         any but running | killing --dispatch--> running (redo)
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mend {

enum class HostStatus {
  waiting,
  running,
  success,
  failed,
  timeout,
  killing,
  killed,
  killfailed,
  cancelled,
  ignored,
  lost,  // Mend only: the outcome cannot be known (see docs)
};
std::string_view to_string(HostStatus s);
std::optional<HostStatus> parse_host_status(std::string_view s);

// Why a host's status changes.
enum class HostEvent {
  dispatch,         // the scheduler starts the host, or an operator's redo starts it again
  kill,             // an operator's host kill, or a task kill, asks the agent to stop the script
  result,           // the agent reports how the current dispatch ended
  deadline,         // the task's timeout (and its grace) passed with no result
  kill_unanswered,  // no answer to a kill within the kill deadline
  cancel,           // the task was cancelled or killed before the host started
  ignore,           // an operator ignores the host
  lost,             // repair: the host was busy but its dispatch ended without a result
};
std::string_view to_string(HostEvent e);

// The status a host in `from` takes on `event`. For a result, `reported` is
// the status the agent reported (invalid_input when an agent may not report
// it). A result for a host whose status no longer takes one leaves it as it
// is (a late result for an ignored host, say). An event that does not apply
// is a conflict whose message says why ("kill it before a redo").
Result<HostStatus> next_host_status(HostStatus from, HostEvent event,
                                    std::optional<HostStatus> reported = std::nullopt);

// What a status means. Each predicate is one column of the table in
// host_states.cpp.
// Keeps its task from being done: waiting, running, killing.
bool is_unfinished(HostStatus s);
// An agent is running (or stopping) the current dispatch: running, killing.
// Repair expects an open dispatch for each; a redo must wait for them.
bool is_busy(HostStatus s);
// Counts against the task's tolerance: failed, timeout, killfailed.
bool counts_as_failure(HostStatus s);
// A result for the current dispatch replaces the status (a late result after
// a timeout or a lost or unanswered kill still counts, as in Ibex): running,
// killing, timeout, lost, killfailed.
bool accepts_result(HostStatus s);
// The current dispatch stays open, so the agent's late result is still
// recorded: the statuses that accept a result, and ignored.
bool keeps_dispatch_open(HostStatus s);
// A final status an agent may report in a result.
bool agent_may_report(HostStatus s);

// The statuses with a property as an SQL list, "('running', 'killing')", for
// the backends' queries: the lists in SQL come from the table too.
std::string sql_status_list(bool (*property)(HostStatus));

}  // namespace mend
