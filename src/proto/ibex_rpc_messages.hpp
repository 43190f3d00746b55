#pragma once
// Ibex's agent protocol (MessagePack-RPC, Ibex's port 20090) as plain values.
// The Go agent sends its structs as msgpack maps keyed by Go field name; the
// comments give the names on the wire. See ../shared/reference/ibex-compat.md.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace mend::ibex_rpc {

inline constexpr const char* kPingMethod = "Server.Ping";
inline constexpr const char* kReportMethod = "Server.Report";
inline constexpr const char* kTaskMetaMethod = "Server.GetTaskMeta";

// Frames larger than this are refused (Report carries up to 2 x 64 KiB of
// output per finished task, so real frames stay far below it).
inline constexpr size_t kDefaultMaxFrameBytes = 16 * 1024 * 1024;

// Server.Ping's argument: any string (the agent sends "").
struct PingRequest {
  std::string text;
};

// One finished (or, for newer agents, running) task in a heartbeat.
struct ReportTask {
  int64_t id = 0;           // Id: the task id
  int64_t clock = 0;        // Clock: Mend's dispatch id
  std::string status;       // Status: success, failed, killed, killfailed, running, killing
  std::string stdout_text;  // Stdout
  std::string stderr_text;  // Stderr
};

// Server.Report: the heartbeat.
struct ReportRequest {
  std::string ident;              // Ident
  std::vector<ReportTask> tasks;  // ReportTasks (nil on the wire when empty)
};

// Server.GetTaskMeta: the task id.
struct TaskMetaRequest {
  int64_t task_id = 0;
};

using Call = std::variant<PingRequest, ReportRequest, TaskMetaRequest>;

struct PingReply {
  std::string text = "pong";
};

// One (task, clock, action) the server wants on the host.
struct AssignTask {
  int64_t id = 0;      // Id
  int64_t clock = 0;   // Clock
  std::string action;  // Action: "start" or "kill"
};

struct ReportReply {
  std::string message;                   // Message: non-empty makes the agent skip the rest
  std::vector<AssignTask> assign_tasks;  // AssignTasks (nil on the wire when empty)
};

struct TaskMetaReply {
  std::string message;     // Message: non-empty is a refusal the agent logs
  std::string script;      // Script
  std::string args;        // Args
  std::string account;     // Account
  std::string stdin_text;  // Stdin
};

using Reply = std::variant<PingReply, ReportReply, TaskMetaReply>;

}  // namespace mend::ibex_rpc
