#pragma once
// The per-script supervisor: a small process (`mend-agent supervise ...`) that
// the agent starts ahead of time and hands one dispatch. It runs the script with the same
// Execution the agent would use, streams Started and Output to the agent as
// JSON lines on its stdout, obeys SIGTERM as a kill, and writes the final
// result to the spool itself. So a script keeps running, and its result is
// kept, when the agent crashes or is upgraded; the next agent adopts it.
#include <filesystem>
#include <string>
#include <vector>

#include "agent/executor.hpp"
#include "common/result.hpp"

namespace mend::agent {

struct SupervisorOptions {
  std::filesystem::path spool_dir;
  ExecOptions exec;
  std::string log_level = "info";
  // The agent's end of the control channel (supervisor_channel.hpp) is this
  // process's descriptor control_fd.
  int control_fd = 3;
};

// The arguments after the program name: "supervise", then the options.
std::vector<std::string> supervisor_args(const SupervisorOptions& o);
// Parses what supervisor_args made (without the leading "supervise").
// Errors: invalid_input naming the bad or missing option.
Result<SupervisorOptions> parse_supervisor_args(const std::vector<std::string>& args);

// The supervisor process's main. Returns its exit status: 0 once the result is
// spooled, or when there was nothing to run (the agent left before assigning
// or recording a dispatch); 1 when it could not spool; 2 for bad arguments.
int supervisor_main(const std::vector<std::string>& args);

}  // namespace mend::agent
