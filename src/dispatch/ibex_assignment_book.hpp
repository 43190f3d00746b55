#pragma once
// What each connected Ibex agent should be running, kept in memory so a
// heartbeat (every second per agent) is answered without touching the
// database. An ident is loaded from Engine::pending_for_host once, when its
// first connection reports, and kept current by the engine's pushes (this is an
// AgentPush) and by the results the agent reports.
//
// Only idents with a live Ibex connection are tracked: pushes for any other
// host (native agents, Ibex agents not connected) are ignored here, because
// such a host loads its state when it connects.
//
// Threading: not thread-safe; used on the server's one io_context thread,
// where the engine runs too.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "engine/agent_push.hpp"
#include "proto/agent_messages.hpp"

namespace mend {

struct IbexWanted {
  int64_t task_id = 0;
  int64_t dispatch_id = 0;  // the Clock the agent sees
  bool kill = false;        // action "kill" rather than "start"
  bool handed_out = false;  // a heartbeat reply carried this start already
};

class IbexAssignmentBook final : public AgentPush {
 public:
  using Loader = std::function<Result<std::vector<proto::Message>>()>;

  // Counts one more connection of `ident`; the first one loads it with
  // `load` (errors are returned and nothing is tracked).
  Result<void> attach(const std::string& ident, const Loader& load);
  // Counts one connection fewer; the last one forgets the ident.
  void detach(const std::string& ident);
  bool tracks(const std::string& ident) const { return idents_.count(ident) > 0; }
  std::vector<std::string> idents() const {
    std::vector<std::string> out;
    for (const auto& [ident, state] : idents_) out.push_back(ident);
    return out;
  }

  // The wanted assignments of `ident`, by task id (empty when not tracked).
  std::vector<IbexWanted> wanted(const std::string& ident) const;
  std::optional<IbexWanted> find(const std::string& ident, int64_t task_id) const;
  // The result of `dispatch_id` was recorded: stop asking for it (only if it
  // is still the task's wanted dispatch; a newer one stays).
  void settle(const std::string& ident, int64_t task_id, int64_t dispatch_id);
  // Marks a start as handed to the agent. True the first time only.
  bool mark_handed_out(const std::string& ident, int64_t task_id, int64_t dispatch_id);

  void push_assign(const std::string& host, const proto::Assign& assign) override;
  void push_kill(const std::string& host, const proto::Kill& kill) override;

 private:
  struct Ident {
    int connections = 0;
    std::map<int64_t, IbexWanted> by_task;
  };
  std::map<std::string, Ident> idents_;
};

}  // namespace mend
