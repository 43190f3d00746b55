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
  std::string basic_auth_role = "admin";
  // Host groups the configured credentials may write; empty: every host.
  std::vector<std::string> configured_groups;
  std::string api_token_role = "admin";
  std::string auth = "auto";        // auto | on (see --help)
  std::string admin_password;       // first start with auth on; usually from a file
  int64_t audit_retention_days = 0;  // 0: keep every record
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
  int64_t read_threads = 2;  // 0: read-only answers on the io thread
  // 1: the listeners' sockets (TLS, HTTP, agents' WebSocket frames) on a
  // thread of their own; 0: on the one thread with the engine and store.
  int64_t network_threads = 1;
  std::string tls_cert;  // operator's PEM files; empty: a certificate from Mend's CA
  std::string tls_key;
  std::vector<std::string> tls_names;  // extra names in the certificate from Mend's CA
  bool no_tls = false;                 // --http speaks plain HTTP
  std::string plain_http;              // an extra plain-HTTP listener (Nightingale v6); off when empty
  std::string ca_out;                  // write Mend's CA certificate here at start
  std::string rules;          // YAML templates and heal rules
  bool insecure = false;      // listen beyond loopback without API or agent authentication
  std::string ready_file;     // flag only
  bool check_config = false;  // flag only: validate and exit
};

const std::vector<Setting<ServerSettings>>& server_settings_table();

}  // namespace mend
