#pragma once
// The task domain as stored: tasks, their hosts, and dispatches. Plain values;
// the engine decides, the store persists.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/host_states.hpp"  // HostStatus and the rules of its changes

namespace mend {

enum class TaskAction { start, pause, cancel, kill };
std::string_view to_string(TaskAction a);
std::optional<TaskAction> parse_task_action(std::string_view s);

enum class HostAction { ignore, kill, redo };
std::string_view to_string(HostAction a);
std::optional<HostAction> parse_host_action(std::string_view s);

// What a client asks for (the Ibex task form), after validation and normalisation.
struct TaskSpec {
  std::string title;
  std::string account;
  int batch = 0;
  int tolerance = 0;
  int timeout_s = 30;
  std::string pause;  // comma-separated hosts
  std::string script;
  std::string args;  // Ibex form: arguments separated by ",,"
  std::string stdin_text;
  std::string creator;
  TaskAction action = TaskAction::start;
  bool alert_triggered = false;
  std::vector<std::string> hosts;  // in order; unique
  // Extra environment for the script (MEND_ALERT_* for a remediation); names
  // are [A-Z0-9_]+. Reaches the agent in proto::Assign::env.
  std::vector<std::pair<std::string, std::string>> env;
};

struct Task {
  int64_t id = 0;
  TaskSpec spec;  // spec.hosts is left empty when read back; see HostRun
  int64_t created_ms = 0;
  TaskAction action = TaskAction::start;
  int64_t action_updated_ms = 0;  // last time an action was set (drives the two-week cancel)
  bool done = false;
};

struct HostRun {
  int64_t task_id = 0;
  int seq = 0;  // position in the task's host list; the scheduler dispatches in this order
  std::string host;
  HostStatus status = HostStatus::waiting;
  std::string stdout_text;
  std::string stderr_text;
  int64_t dispatch_id = 0;     // the current dispatch, 0 when never dispatched
  int64_t dispatched_ms = 0;   // when the current dispatch was committed
  int64_t updated_ms = 0;
  // The current dispatch's script's exit status as its agent reported it
  // (128 + N when signal N ended it); none before it ended, or when no agent
  // said (a lost dispatch, an Ibex-protocol agent).
  std::optional<int> exit_code;
};

// One attempt to run (task, host). An agent runs a dispatch at most once; a
// result counts only for its dispatch.
struct Dispatch {
  int64_t id = 0;
  int64_t task_id = 0;
  std::string host;
  int attempt = 1;
  int64_t created_ms = 0;
  int64_t started_ms = 0;   // 0 until the agent says it started
  int64_t finished_ms = 0;  // 0 while open
  std::string result;       // final status as reported, empty while open
  bool kill_requested = false;
};

struct TaskQuery {
  std::string title_contains;  // Ibex `query`
  std::string creator;
  int64_t created_after_ms = 0;  // Ibex `days`
  int64_t created_before_ms = 0;  // 0: no upper bound
  // "" any, "unfinished", "done", or an unfinished task's action: "start", "pause".
  std::string state;
  // Keyset paging (the console): only ids below this, so a page deep in
  // 100,000 tasks costs what the first one does. 0: from the newest.
  int64_t before_id = 0;
  int limit = 20;
  int page = 1;  // from 1 (OFFSET paging, Ibex's)
};

struct TaskPage {
  int64_t total = 0;
  std::vector<Task> list;
};

// Counts for /metrics.
struct StoreCounts {
  std::vector<std::pair<std::string, int64_t>> tasks_by_state;  // "running"/"paused"/"done"...
  std::vector<std::pair<std::string, int64_t>> hosts_by_status;
};

}  // namespace mend
