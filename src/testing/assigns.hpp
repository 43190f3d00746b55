#pragma once
// Assignments as the agent tests hand them to the agent, its executor and
// its spool: a script run as root, each field the test cares about named.
#include <cstdint>
#include <string>

#include "proto/agent_messages.hpp"

namespace mend::testing {

inline proto::Assign root_assign(int64_t dispatch_id, int64_t task_id, std::string host, std::string script,
                                 int timeout_s = 30) {
  proto::Assign a;
  a.dispatch_id = dispatch_id;
  a.task_id = task_id;
  a.host = std::move(host);
  a.script = std::move(script);
  a.account = "root";
  a.timeout_s = timeout_s;
  return a;
}

}  // namespace mend::testing
