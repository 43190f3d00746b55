#pragma once
// How the engine reaches agents: after a transaction commits, the engine hands
// each new assignment or kill to an AgentPush, which sends it at once on the
// host's open connection (or drops it when the host is not connected: the host
// gets it from Engine::pending_for_host when it connects).
#include <string>

#include "proto/agent_messages.hpp"

namespace mend {

class AgentPush {
 public:
  virtual ~AgentPush() = default;
  virtual void push_assign(const std::string& host, const proto::Assign& assign) = 0;
  virtual void push_kill(const std::string& host, const proto::Kill& kill) = 0;
};

}  // namespace mend
