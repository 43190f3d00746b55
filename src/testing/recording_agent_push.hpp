#pragma once
// An AgentPush that records what the engine would send, for engine unit tests.
#include <string>
#include <vector>

#include "engine/agent_push.hpp"

namespace mend::testing {

class RecordingAgentPush final : public AgentPush {
 public:
  struct Sent {
    std::string host;
    proto::Message message;
  };
  void push_assign(const std::string& host, const proto::Assign& a) override { sent.push_back({host, a}); }
  void push_kill(const std::string& host, const proto::Kill& k) override { sent.push_back({host, k}); }

  std::vector<proto::Assign> assigns() const {
    std::vector<proto::Assign> out;
    for (auto& s : sent)
      if (auto* a = std::get_if<proto::Assign>(&s.message)) out.push_back(*a);
    return out;
  }
  std::vector<proto::Kill> kills() const {
    std::vector<proto::Kill> out;
    for (auto& s : sent)
      if (auto* k = std::get_if<proto::Kill>(&s.message)) out.push_back(*k);
    return out;
  }
  void clear() { sent.clear(); }

  std::vector<Sent> sent;
};

}  // namespace mend::testing
