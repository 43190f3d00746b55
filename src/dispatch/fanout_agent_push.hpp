#pragma once
// One AgentPush the engine holds that forwards every push to several: the
// native agent hub and the Ibex assignment book, so a task may mix hosts of
// both kinds. Each target ignores hosts it does not serve.
//
// Ownership: targets are not owned and must outlive this. Add them before the
// engine runs (not thread-safe; used on the engine's thread).
#include <string>
#include <vector>

#include "engine/agent_push.hpp"

namespace mend {

class CompositeAgentPush final : public AgentPush {
 public:
  CompositeAgentPush() = default;
  explicit CompositeAgentPush(std::vector<AgentPush*> targets) : targets_(std::move(targets)) {}
  void add(AgentPush& target) { targets_.push_back(&target); }

  void push_assign(const std::string& host, const proto::Assign& assign) override;
  void push_kill(const std::string& host, const proto::Kill& kill) override;

 private:
  std::vector<AgentPush*> targets_;
};

}  // namespace mend
