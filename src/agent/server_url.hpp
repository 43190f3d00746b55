#pragma once
// A --server value: the base URL of a mend-server.
#include <string>

#include "common/result.hpp"

namespace mend::agent {

struct ServerUrl {
  std::string host;
  std::string port;
};

// Accepts http://host[:port][/] and ws://host[:port][/] (port 80 by default),
// with [v6] hosts. Errors: invalid_input, including for https/wss, which this
// agent does not speak yet.
Result<ServerUrl> parse_server_url(const std::string& url);

}  // namespace mend::agent
