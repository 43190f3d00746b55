#include "server/server_settings.hpp"

namespace mend {

const std::vector<Setting<ServerSettings>>& server_settings_table() {
  using S = ServerSettings;
  static const std::vector<Setting<S>> table = {
      {.key = "http",
       .field = &S::http,
       .help = "listen address HOST:PORT or :PORT; port 0 picks a free one"},
      {.key = "db",
       .field = &S::db,
       .help = "database URL: sqlite:PATH or postgresql://user:pass@host:port/db"},
      {.key = "agent_token",
       .field = &S::agent_token,
       .help = "secret agents must present",
       .env = "MEND_AGENT_TOKEN",
       .from_file = true},
      {.key = "basic_auth",
       .field = &S::basic_auth,
       .help = "USER:PASS required on /ibex/v1 and /api/v1 (repeatable)",
       .flag = "--basic-auth",
       .from_file = true},
      {.key = "api_tokens",
       .field = &S::api_tokens,
       .help = "bearer token accepted on /ibex/v1 and /api/v1, alongside --basic-auth (repeatable)",
       .flag = "--api-token",
       .from_file = true},
      {.key = "insecure",
       .field = &S::insecure,
       .help = "listen on an address other machines reach even without API or agent "
               "authentication (only behind a firewall that keeps others out)"},
      {.key = "log_level", .field = &S::log_level, .help = "trace, debug, info, warn, error"},
      {.key = "max_body_bytes",
       .field = &S::max_body_bytes,
       .help = "largest request body",
       .default_text = "8 MiB",
       .min = 1},
      {.key = "server_id",
       .field = &S::server_id,
       .help = "this server's name as task owner; keep it stable across restarts",
       .default_text = "HOSTNAME:PORT"},
      {.key = "kill_deadline_ms",
       .field = &S::kill_deadline_ms,
       .help = "a host still killing this long without word from its agent becomes killfailed",
       .min = 1000},
      {.key = "lease_ms",
       .field = &S::lease_ms,
       .help = "task ownership lease; another server takes over after it",
       .min = 1000},
      {.key = "peer_check_ms",
       .field = &S::peer_check_ms,
       .help = "PostgreSQL: how often to check this server's agents for work another server "
               "dispatched, in case "
               "a notification was missed",
       .min = 100},
      {.key = "ibex_rpc",
       .field = &S::ibex_rpc,
       .help = "serve existing Ibex agents (ibex-agentd, categraf) on HOST:PORT, e.g. :20090",
       .default_text = "off"},
      {.key = "ibex_rpc_allow",
       .field = &S::ibex_rpc_allow,
       .help = "CIDR allowed to connect to --ibex-rpc (repeatable; default any)"},
      {.key = "ibex_rpc_hosts",
       .field = &S::ibex_rpc_hosts,
       .help = "host name or glob pattern Ibex agents may act for (repeatable; required with "
               "--ibex-rpc; never a host a native agent has served)"},
      {.key = "max_connections",
       .field = &S::max_connections,
       .help = "open connections per listener (HTTP, --ibex-rpc) beyond which new ones are refused",
       .min = 1},
      {.key = "max_unauthenticated_per_source",
       .field = &S::max_unauthenticated_per_source,
       .help = "connections from one address not yet authenticated beyond which new ones are refused",
       .min = 1},
      {.key = "rules",
       .field = &S::rules,
       .help =
           "YAML file of heal templates and rules (reloaded on SIGHUP and POST /api/v1/reload)"},
      {.key = "ready_file",
       .field = &S::ready_file,
       .help = "after listening, write the bound HOST:PORT here",
       .in_file = false},
      {.key = "check_config",
       .field = &S::check_config,
       .help = "check the settings and the rules file, then exit (0: fine, 2: the problems found) "
               "without "
               "opening the database or listening",
       .in_file = false},
  };
  return table;
}

}  // namespace mend
