#include "agent/agent_settings.hpp"

#include "agent/server_url.hpp"

namespace mend::agent {

const std::vector<Setting<AgentSettings>>& agent_settings_table() {
  using S = AgentSettings;
  static const std::vector<Setting<S>> table = {
      {.key = "servers",
       .field = &S::servers,
       .help = "server base URL, e.g. https://mend.example:10090 (repeat for fail-over)",
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
      {.key = "labels",
       .field = &S::labels,
       .help = "a label key=value this agent reports (repeat; at most 32, key [A-Za-z0-9_.-/]{1,63}, "
               "value up to 255 bytes); host groups may select hosts by label. In the config: a "
               "[labels] table of key = \"value\"",
       .flag = "--label"},
      {.key = "cacert",
       .field = &S::cacert,
       .help = "PEM file of the CA the https:// servers' certificates must chain to (Mend's CA: "
               "mend-server --ca-out)",
       .default_text = "the system's CAs",
       .env = "MEND_CACERT"},
      {.key = "join_token",
       .field = &S::join_token,
       .help = "one-time token from `mendctl agents join-token`: traded for this host's "
               "certificate at the first start (kept in SPOOL/tls)",
       .env = "MEND_JOIN_TOKEN",
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
  for (const auto& text : s.labels) {
    MEND_ASSIGN_OR_RETURN(auto label, proto::parse_label(text));
    if (!cfg.labels.emplace(label.first, label.second).second)
      return make_error(ErrorCode::invalid_input, "label '" + label.first + "' given twice");
  }
  MEND_TRY(proto::check_labels(cfg.labels));
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
