#pragma once
// Following a task until it is done, and the final per-host report.
#include <atomic>
#include <chrono>
#include <cstdint>

#include "cli/api_views.hpp"
#include "cli/console.hpp"
#include "cli/server_api.hpp"

namespace mend::cli {

struct FollowOptions {
  std::chrono::milliseconds interval{200};
  // Set (by a SIGINT handler) to stop following; the task keeps running.
  const std::atomic<bool>* interrupted = nullptr;
  // Consecutive failed polls tolerated (a server restarting) before giving up.
  int max_poll_failures = 5;
};

// Polls GET /ibex/v1/task/:id until the task is done (meta.done, or every host
// finished and /state says "done"), showing progress on console (redrawn in
// place on a terminal, a new line per change otherwise), then prints the
// report. Returns kExitOk when every host succeeded, kExitHostsFailed when
// one did not, kExitPaused when the task paused with nothing running (after
// printing what happened and the next steps), kExitError when the server
// cannot be read, kExitInterrupted after an interrupt.
int follow_task(const ServerApi& api, int64_t id, Console& console, const FollowOptions& options);

// Prints each host's status and its stdout/stderr (one request per host),
// then a summary line. Returns kExitOk when every host succeeded, else kExitHostsFailed.
int print_task_report(const ServerApi& api, const TaskView& task, Console& console);

// Prints each host's output, what made the task pause and the commands that
// go on, redo or cancel. Returns kExitPaused.
int print_paused_report(const ServerApi& api, const TaskView& task, Console& console);

// Prints each host's status and output, without a summary.
void print_host_outputs(const ServerApi& api, const TaskView& task, Console& console);

}  // namespace mend::cli
