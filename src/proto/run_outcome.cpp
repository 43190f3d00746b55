#include "proto/run_outcome.hpp"

namespace mend::proto {

std::string_view to_string(RunOutcome o) {
  switch (o) {
    case RunOutcome::success: return "success";
    case RunOutcome::failed: return "failed";
    case RunOutcome::timeout: return "timeout";
    case RunOutcome::killed: return "killed";
    case RunOutcome::killfailed: return "killfailed";
    case RunOutcome::lost: return "lost";
  }
  return "lost";
}

std::optional<RunOutcome> parse_run_outcome(std::string_view s) {
  for (RunOutcome o : kAllRunOutcomes)
    if (to_string(o) == s) return o;
  return std::nullopt;
}

}  // namespace mend::proto
