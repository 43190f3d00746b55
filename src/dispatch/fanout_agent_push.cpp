#include "dispatch/fanout_agent_push.hpp"

namespace mend {

void CompositeAgentPush::push_assign(const std::string& host, const proto::Assign& assign) {
  for (auto* t : targets_) t->push_assign(host, assign);
}

void CompositeAgentPush::push_kill(const std::string& host, const proto::Kill& kill) {
  for (auto* t : targets_) t->push_kill(host, kill);
}

}  // namespace mend
