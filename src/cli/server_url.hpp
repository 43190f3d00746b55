#pragma once
// Where mendctl sends its requests: the parsed --server URL.
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mend::cli {

struct ServerUrl {
  std::string host;       // without IPv6 brackets
  std::string port;       // always set; defaults are described at parse_server_url
  std::string base_path;  // "" or "/prefix" (no trailing slash); prepended to every path
  std::string text;       // the URL as given, for messages
  bool tls = false;       // https://
};

// Accepts "https://host[:port][/base]", "http://..." and a bare
// "host[:port]" (plain HTTP). The default port is 443 for https://, 80 for
// http:// and 10090 (Ibex's) for a bare host. Errors: invalid_input.
Result<ServerUrl> parse_server_url(std::string_view url);

// The Host header value for url: host[:port], IPv6 hosts in brackets.
std::string host_header(const ServerUrl& url);

}  // namespace mend::cli
