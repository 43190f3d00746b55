#pragma once
// The agent's settings, filled by apps/mend_agent_main.cpp from flags.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "proto/agent_labels.hpp"

namespace mend::agent {

struct AgentConfig {
  // Base URLs (http://host:port or ws://host:port), tried in order; the first
  // that answers wins and the next ones are fail-overs.
  std::vector<std::string> servers;
  std::string ident;  // this host's name as the server knows it
  std::string token;
  proto::Labels labels;  // sent in the hello
  std::string spool_dir = "./mend-agent-spool";
  size_t output_limit = 65536;  // bytes kept per stream (head + tail)
  std::chrono::milliseconds kill_grace{2000};
  // How often un-acknowledged results are re-sent while connected.
  std::chrono::milliseconds resend_interval{5000};
  // The binary started as each script's supervisor (`<exe> supervise ...`), so
  // scripts outlive the agent. mend-agent sets /proc/self/exe. Empty: scripts
  // run inside the agent process and die with it (unit tests).
  std::string supervisor_exe;
  std::string log_level = "info";  // handed to supervisors
  // After a script starts, the next spare supervisor starts when it ends or
  // after this, whichever comes first (so the two starts do not compete).
  std::chrono::milliseconds spare_delay{50};
  // Tombstones of acknowledged dispatches older than this are pruned at start.
  std::chrono::hours tombstone_max_age{24 * 7};
};

}  // namespace mend::agent
