#pragma once
// A --server value: the base URL of a mend-server.
#include <string>

#include "common/result.hpp"

namespace mend::agent {

struct ServerUrl {
  std::string host;
  std::string port;
  bool tls = false;  // https:// or wss://
};

// Accepts http://, ws://, https:// and wss://host[:port][/] (port 80, or 443
// with TLS, by default), with [v6] hosts. Errors: invalid_input.
Result<ServerUrl> parse_server_url(const std::string& url);

}  // namespace mend::agent
