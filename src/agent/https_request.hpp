#pragma once
// One synchronous HTTPS request, for enrolling and renewing the agent's
// certificate (rare, before or beside the WebSocket session). Bounded by a
// deadline and a response size limit.
#include <chrono>
#include <string>

#include "agent/server_url.hpp"
#include "common/result.hpp"
#include "tls/asio_ssl.hpp"

namespace mend::agent {

struct HttpsAnswer {
  int status = 0;
  std::string body;
};

// Sends `method path` with a JSON `body` (empty: none) to `server` over TLS
// with `ctx`. verify_host: the server's certificate must name server.host
// (off only while fetching the CA a join token pins by fingerprint).
// Errors: unavailable (connect, TLS, timeout: the message says which).
Result<HttpsAnswer> https_request(const ServerUrl& server, ssl::context& ctx, bool verify_host,
                                  const std::string& method, const std::string& path, const std::string& body,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace mend::agent
