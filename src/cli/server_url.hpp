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
};

// Accepts "http://host[:port][/base]" and a bare "host[:port]". The default
// port is 80 for a URL with a scheme and 10090 (Ibex's) for a bare host.
// Errors: invalid_input, including "https:// is not supported yet".
Result<ServerUrl> parse_server_url(std::string_view url);

// The Host header value for url: host[:port], IPv6 hosts in brackets.
std::string host_header(const ServerUrl& url);

// Percent-encodes s for a query string or a path segment (RFC 3986 unreserved kept).
std::string url_encode(std::string_view s);

}  // namespace mend::cli
