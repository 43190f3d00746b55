#pragma once
// What mendctl reads from the server, as plain values, and the functions that
// read them from the `dat` of an answer. Parsing is lenient about missing
// fields (they stay empty or zero) and strict about shape: a `dat` of the
// wrong JSON type is an internal error naming what was expected.
#include <cstdint>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace mend::cli {

struct TaskMeta {
  int64_t id = 0;
  std::string title;
  std::string account;
  int64_t batch = 0;
  int64_t tolerance = 0;
  int64_t timeout = 0;
  std::string pause;
  std::string script;
  std::string args;
  std::string stdin_text;
  std::string creator;
  // `created` arrives as epoch seconds, epoch milliseconds or a timestamp
  // string, depending on the server (mend-server adds `created_ms`, preferred);
  // at most one of these is set.
  int64_t created_ms = 0;
  std::string created_text;
  bool done = false;
  int64_t rerun_of = 0;  // mend-server: the task this one reran the failed hosts of
  // mend-server, in task lists: hosts by status ("success": 3, "failed": 1).
  std::vector<std::pair<std::string, int64_t>> host_counts;
};

// A task just created, and what the server warned about it.
struct CreatedTask {
  int64_t id = 0;
  std::vector<std::string> hosts;  // a rerun's hosts
  std::vector<std::string> warnings;
};

struct HostRow {
  std::string host;
  std::string status;  // an Ibex host status, or a status this mendctl does not know yet
  std::optional<int> exit_code;  // the script's, once it ended (a server before Mend 0.1's exit codes: none)
};

// How a host ended, for a list of failed hosts: "web-01: exit 3", or its
// status when it has no exit code ("web-02: timeout"), or just its name when
// that says nothing more ("web-03", failed with no exit code).
std::string host_with_outcome(const HostRow& host);
// "3", or "-" when the host has no exit code.
std::string exit_code_text(const HostRow& host);

// GET /ibex/v1/task/:id
struct TaskView {
  TaskMeta meta;
  std::vector<HostRow> hosts;
  std::string action;  // start, pause, cancel, kill, or empty
};

// GET /ibex/v1/task/:id/host/:host/output
struct HostOutput {
  std::string host;
  std::string status;
  std::string stdout_text;
  std::string stderr_text;
};

// GET /ibex/v1/tasks
struct TaskList {
  int64_t total = 0;
  std::vector<TaskMeta> list;
};

// GET /api/v1/agents
struct AgentView {
  std::string ident;
  std::string protocol;
  std::string remote;
  int64_t connected_ms = 0;
  int64_t last_seen_ms = 0;
  std::string identity;  // enrolled, expiring, revoked, legacy_token, ibex
  std::string server;    // the server id holding its connection ("" from an older server)
  std::string labels;    // "env=prod,team=db"
};

Result<TaskMeta> parse_task_meta(const nlohmann::json& dat);
Result<TaskView> parse_task_view(const nlohmann::json& dat);
Result<HostOutput> parse_host_output(const nlohmann::json& dat);
Result<TaskList> parse_task_list(const nlohmann::json& dat);
Result<std::vector<AgentView>> parse_agents(const nlohmann::json& dat);
// dat of POST /ibex/v1/tasks: the new id, as a number or a numeric string.
Result<int64_t> parse_task_id(const nlohmann::json& dat);

}  // namespace mend::cli

namespace mend::cli {

// GET /api/v1/heal/records: one decision about one alert.
struct HealRecordView {
  int64_t id = 0;
  int64_t created_ms = 0;
  std::string rule;
  std::string host;
  std::string decision;
  std::string reason;
  int64_t task_id = 0;  // 0 when no task was started
  std::string task_status;
  int64_t resolved_ms = 0;        // 0 while unresolved
  int64_t resolve_after_ms = -1;  // -1 while unresolved
};

// GET /api/v1/heal/rules: per-rule counts and breaker state.
struct HealRuleView {
  std::string name;
  std::string origin;
  int64_t runs = 0;
  int64_t successes = 0;
  int64_t failures = 0;
  int64_t unfinished = 0;
  int64_t resolved_within = 0;
  int64_t resolved_within_minutes = 0;
  int64_t last_run_ms = 0;
  bool breaker_open = false;
  int64_t breaker_opened_ms = 0;
  std::string breaker_reason;
};

// dat of each: {"list": [...]}.
Result<std::vector<HealRecordView>> parse_heal_records(const nlohmann::json& dat);
Result<std::vector<HealRuleView>> parse_heal_rules(const nlohmann::json& dat);

}  // namespace mend::cli
