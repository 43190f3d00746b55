#pragma once
// The JSON shapes of /ibex/v1 responses (ibex-compat.md) and /api/v1 task views.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/model.hpp"

namespace mend {

// "2026-11-27T07:00:00Z": Ibex's Go time.Time marshals as RFC 3339, and
// Nightingale parses that.
std::string rfc3339_utc(int64_t unix_ms);

// id, title, account, batch, tolerance, timeout, pause, script, args, stdin,
// creator, created, done.
nlohmann::json task_meta_json(const Task& task);

// Ibex's "action" of a task: "" once it is done.
std::string task_action_text(const Task& task);
// Ibex's state: the action, or "done".
std::string task_state_text(const Task& task);

// A host's exit code as JSON: the number, or null while it has none.
nlohmann::json exit_code_json(const HostRun& run);
// {"id": task id, "host", "status", "stdout": "", "stderr": ""}: Ibex's host
// entry always carries both output keys, empty where not asked for.
nlohmann::json host_brief_json(const HostRun& run);
// Host entries with "stdout" filled when `stdout_not_stderr`, else "stderr".
nlohmann::json host_outputs_json(const std::vector<HostRun>& hosts, bool stdout_not_stderr);
// {"<status>": [hosts...], ...}
nlohmann::json hosts_by_status_json(const std::vector<HostRun>& hosts);
// "host:\n<output>" blocks joined by a blank line.
std::string outputs_text(const std::vector<HostRun>& hosts, bool stdout_not_stderr);

// Native view for mendctl: task fields plus action, hosts with dispatch ids and outputs.
nlohmann::json task_view_json(const Task& task, const std::vector<HostRun>& hosts);

}  // namespace mend
