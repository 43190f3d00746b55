#pragma once
// One dispatch the agent is waiting on, however it runs: inside the agent
// (Execution, used by unit tests), in a supervisor process the agent started
// (SupervisedRun), or in a supervisor left by an earlier agent (AdoptedRun).
#include <cstdint>

#include "common/asio.hpp"
#include "proto/agent_messages.hpp"

namespace mend::agent {

class RunningDispatch {
 public:
  virtual ~RunningDispatch() = default;
  virtual int64_t dispatch_id() const = 0;
  // Runs or waits to the end and returns the final result.
  virtual awaitable<proto::ResultMsg> run() = 0;
  // The server asked to kill: TERM, then KILL after the grace.
  virtual void kill() = 0;
  // True when the result is already in the spool (a supervisor wrote it).
  virtual bool result_spooled() const { return false; }
};

}  // namespace mend::agent
