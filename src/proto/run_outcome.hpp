#pragma once
// How a dispatch ended, as an agent reports it in a result: the only statuses
// an agent may send. The server maps each onto a host status
// (engine/reported_status.hpp; store/host_states.hpp has the rules); the
// agent's spool keeps results on disk in this spelling.
#include <optional>
#include <string_view>

namespace mend::proto {

enum class RunOutcome {
  success,     // exited 0
  failed,      // exited non-zero, or the agent could not run it
  timeout,     // killed at the task's timeout
  killed,      // killed on request
  killfailed,  // a kill was asked for but the process group survived SIGKILL
  lost,        // the outcome cannot be known (the agent or its supervisor died with it)
};

inline constexpr RunOutcome kAllRunOutcomes[] = {RunOutcome::success, RunOutcome::failed,     RunOutcome::timeout,
                                                 RunOutcome::killed,  RunOutcome::killfailed, RunOutcome::lost};

std::string_view to_string(RunOutcome o);
// nullopt for anything else, "running" and "" included.
std::optional<RunOutcome> parse_run_outcome(std::string_view s);

}  // namespace mend::proto
