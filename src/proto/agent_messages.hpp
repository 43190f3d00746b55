#pragma once
// The native agent <-> server protocol: one JSON object per WebSocket text
// frame, with a "type" field. The agent connects to ws://SERVER/api/v1/agent/ws
// and sends Hello first; everything after that flows both ways.
//
//   agent  -> server: hello, started, output, result
//   server -> agent : welcome, refused, assign, kill, ack
//
// All text fields are valid UTF-8 (the agent sanitises script output).
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "proto/agent_labels.hpp"
#include "proto/run_outcome.hpp"

namespace mend::proto {

inline constexpr int kProtocolVersion = 1;
inline constexpr const char* kAgentPath = "/api/v1/agent/ws";

struct Hello {
  std::string ident;
  std::string token;
  std::string agent_version;
  int protocol = kProtocolVersion;
  // What the host says about itself (proto/agent_labels.hpp). Sent only when
  // there are some, as a JSON object of strings: a server from before labels
  // reads the fields it knows by name and ignores this one, and an agent from
  // before labels simply has none.
  Labels labels;
};

struct Welcome {
  std::string server_version;
};

// Sent before the server closes a connection it will not serve.
struct Refused {
  std::string reason;
};

// Run this dispatch. The agent runs each dispatch_id at most once.
struct Assign {
  int64_t dispatch_id = 0;
  int64_t task_id = 0;
  std::string host;
  std::string script;
  std::string args;  // Ibex form: split on ",," and pass each as one argument
  std::string account;
  std::string stdin_text;
  int timeout_s = 30;
  // Extra environment for the script (e.g. MEND_ALERT_* for a remediation).
  // Names are [A-Z0-9_]+; the agent refuses others.
  std::vector<std::pair<std::string, std::string>> env;
};

// Kill the process group of this dispatch and report killed/killfailed.
struct Kill {
  int64_t dispatch_id = 0;
  int64_t task_id = 0;
};

struct Started {
  int64_t dispatch_id = 0;
};

// Live output while a script runs: the whole captured text so far (head and
// tail within the agent's limit), at most once a second.
struct Output {
  int64_t dispatch_id = 0;
  std::string stdout_text;
  std::string stderr_text;
};

// Final result. The agent keeps it in its spool and re-sends until acknowledged.
struct ResultMsg {
  int64_t dispatch_id = 0;
  int64_t task_id = 0;
  RunOutcome status = RunOutcome::lost;  // until the agent knows better
  int exit_code = -1;
  std::string stdout_text;
  std::string stderr_text;
  int64_t stdout_dropped = 0;  // bytes cut from the middle of stdout
  int64_t stderr_dropped = 0;
  std::string message;  // why, when the agent itself failed the host
};

// The server committed (or already had) the result of this dispatch.
struct Ack {
  int64_t dispatch_id = 0;
};

using Message = std::variant<Hello, Welcome, Refused, Assign, Kill, Started, Output, ResultMsg, Ack>;

std::string encode(const Message& m);
// Never throws. Errors: invalid_input for malformed JSON, unknown type, wrong field types.
Result<Message> decode(std::string_view frame);

}  // namespace mend::proto
