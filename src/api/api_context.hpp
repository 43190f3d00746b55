#pragma once
// What the routes work on. Everything is owned by main and outlives the server;
// all of it is used from the server's one io_context thread.
#include <functional>
#include <vector>

#include "auth/accounts.hpp"
#include "auth/audited_store.hpp"
#include "auth/host_groups.hpp"
#include "common/clock.hpp"
#include "dispatch/agent_hub.hpp"
#include "dispatch/agent_presence.hpp"
#include "dispatch/connection_limits.hpp"
#include "dispatch/live_output.hpp"
#include "dispatch/peer_dispatch_relay.hpp"
#include "engine/engine.hpp"
#include "tls/enroll/agent_trust.hpp"
#include "engine/engine_metrics.hpp"
#include "heal/heal_service.hpp"
#include "store/store.hpp"

namespace mend {

struct ApiContext {
  Engine& engine;
  Store& store;
  AgentHub& hub;
  const Clock& clock;
  const EngineMetrics& metrics;
  // Set when alert self-healing is wired in: /metrics then adds its counts.
  heal::HealService* heal = nullptr;
  // Set when the server relays other servers' dispatches: /metrics adds its counts.
  const PeerDispatchRelay* relay = nullptr;
  // Set when the listeners count what they refused: /metrics adds the counts.
  const EdgeMetrics* edge = nullptr;
  // Users, sessions and tokens (their routes are served when set).
  auth::Accounts* accounts = nullptr;
  // The audit record of the request being handled (sign-in names its user).
  auth::AuditTrail* trail = nullptr;
  // Mend's CA and the agents' certificates (the enrollment routes are served when set).
  tls::AgentTrust* trust = nullptr;
  // Agents' live output, set once the HTTP server runs: output streams read it.
  LiveOutput* live = nullptr;
  // Agents on other channels (the Ibex RPC port), listed after the native ones.
  std::function<std::vector<AgentInfo>()> other_agents;
  // Host groups (their routes are served when set; templates and rules are
  // checked against them).
  auth::HostGroups* groups = nullptr;
  // Native agents of every server on the database (the agents list reads it
  // when set; the hub's own agents otherwise).
  AgentPresence* presence = nullptr;
  // The server runs read-only answers on its reader threads, each with its
  // own read connection (see api/read_answer.hpp); false: on `store`, here.
  bool reads_elsewhere = false;
};

}  // namespace mend
