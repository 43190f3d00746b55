#pragma once
// mend-agent's settings: the struct and the one table its flags, config keys
// (`mend-agent --config agent.toml`), defaults, --help and the unknown-key
// check come from. Adding a setting is a member here and a row in
// agent_settings.cpp; to_agent_config() hands it to the agent.
#include <cstdint>
#include <string>
#include <vector>

#include "agent/config.hpp"
#include "common/result.hpp"
#include "common/settings.hpp"

namespace mend::agent {

struct AgentSettings {
  std::vector<std::string> servers;
  std::string ident;  // empty: this host's name
  std::string token;
  std::vector<std::string> labels;  // "key=value" (the config's [labels] table becomes these)
  std::string cacert;      // PEM of the CA https:// servers chain to; empty: the system's
  std::string join_token;  // one-time enrollment; from a file best
  std::string spool = "./mend-agent-spool";
  int64_t output_limit = 65536;
  int64_t kill_grace_ms = 2000;
  bool in_process = false;
  std::string log_level = "info";
};

const std::vector<Setting<AgentSettings>>& agent_settings_table();

// The agent's configuration from checked settings: `hostname` stands for an
// empty ident, `supervisor_exe` is what scripts run under (ignored with
// in_process). Errors: invalid_input (a server URL that is not one, a bad
// label or the same label key twice).
Result<AgentConfig> to_agent_config(const AgentSettings& s, const std::string& hostname,
                                    const std::string& supervisor_exe);

}  // namespace mend::agent
