#pragma once
// mend-server's settings: the struct and the one table its flags, config keys,
// defaults, --help and the unknown-key check come from. Adding a setting is a
// member here and a row in server_settings.cpp; MendServer reads the member.
#include <cstdint>
#include <string>
#include <vector>

#include "common/settings.hpp"

namespace mend {

struct ServerSettings {
  std::string http = "0.0.0.0:10090";
  std::string db = "sqlite:./mend.db";
  std::string agent_token;
  std::vector<std::string> basic_auth;  // "user:password"
  std::vector<std::string> api_tokens;
  std::string log_level = "info";
  int64_t max_body_bytes = 8 * 1024 * 1024;
  std::string server_id;  // empty: HOSTNAME:PORT (see engine/server_id.hpp)
  int64_t lease_ms = 15000;
  int64_t kill_deadline_ms = 60000;
  int64_t peer_check_ms = 3000;
  std::string ibex_rpc;  // off when empty
  std::vector<std::string> ibex_rpc_allow;
  std::vector<std::string> ibex_rpc_hosts;  // names or globs Ibex agents may act for
  int64_t max_connections = 50000;
  int64_t max_unauthenticated_per_source = 64;
  std::string rules;          // YAML templates and heal rules
  bool insecure = false;      // listen beyond loopback without API or agent authentication
  std::string ready_file;     // flag only
  bool check_config = false;  // flag only: validate and exit
};

const std::vector<Setting<ServerSettings>>& server_settings_table();

}  // namespace mend
