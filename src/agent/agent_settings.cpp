#include "agent/agent_settings.hpp"

#include "agent/server_url.hpp"

namespace mend::agent {

const std::vector<Setting<AgentSettings>>& agent_settings_table() {
  using S = AgentSettings;
  static const std::vector<Setting<S>> table = {
      {.key = "servers",
       .field = &S::servers,
       .help = "server base URL, e.g. http://127.0.0.1:10090 (repeat for fail-over)",
       .flag = "--server",
       .required = true},
      {.key = "ident",
       .field = &S::ident,
       .help = "this host's name on the server",
       .default_text = "hostname"},
      {.key = "token",
       .field = &S::token,
       .help = "agent token",
       .env = "MEND_AGENT_TOKEN",
       .from_file = true},
      {.key = "spool", .field = &S::spool, .help = "directory for durable state"},
      {.key = "output_limit",
       .field = &S::output_limit,
       .help = "bytes kept per output stream",
       .min = 64,
       .max = int64_t{64} << 20},
      {.key = "kill_grace_ms",
       .field = &S::kill_grace_ms,
       .help = "SIGTERM to SIGKILL delay",
       .min = 0,
       .max = 600000},
      {.key = "in_process",
       .field = &S::in_process,
       .help = "run scripts inside the agent process instead of under a supervisor each "
               "(saves a process start per script; a script then dies with the agent and is "
               "reported lost)"},
      {.key = "log_level", .field = &S::log_level, .help = "trace, debug, info, warn, error"},
  };
  return table;
}

Result<AgentConfig> to_agent_config(const AgentSettings& s, const std::string& hostname,
                                    const std::string& supervisor_exe) {
  AgentSettings checked = s;
  if (auto bad = check_settings(bind_settings(agent_settings_table(), checked)))
    return make_error(ErrorCode::invalid_input, *bad);
  for (const auto& url : s.servers) {
    if (auto u = parse_server_url(url); !u) return u.error();
  }
  AgentConfig cfg;
  cfg.servers = s.servers;
  cfg.ident = s.ident.empty() ? hostname : s.ident;
  cfg.token = s.token;
  cfg.spool_dir = s.spool;
  cfg.output_limit = static_cast<size_t>(s.output_limit);
  cfg.kill_grace = std::chrono::milliseconds(s.kill_grace_ms);
  cfg.log_level = s.log_level;
  if (!s.in_process) cfg.supervisor_exe = supervisor_exe;
  return cfg;
}

}  // namespace mend::agent
