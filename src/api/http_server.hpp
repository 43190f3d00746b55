#pragma once
// The HTTP listener: Ibex and native routes through ApiService, and the agent
// WebSocket at proto::kAgentPath handed to dispatch's agent session (agents
// authenticate with their token there, not with basic auth).
//
// Nothing is spent on a peer before it proves who it is: credentials are
// checked on the headers, before a byte of the body is read (and before
// `Expect: 100-continue` is answered); connections are capped in total and,
// while unauthenticated, per source address, and refused with a 503 that
// says so.
//
// Threading: runs on the one io_context thread with the engine and store.
// Lifetime: connections hold the server's state, so an io_context destroyed
// with connections still open is safe; `api`, `hub` and `engine` must outlive
// the io_context.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/api_service.hpp"
#include "common/result.hpp"
#include "dispatch/agent_hub.hpp"
#include "dispatch/connection_limits.hpp"
#include "engine/engine.hpp"

namespace boost::asio {
class io_context;
}

namespace mend {

struct HttpServerOptions {
  std::string address = "0.0.0.0:10090";  // HOST:PORT, :PORT; port 0 picks a free one
  size_t max_body_bytes = 8 * 1024 * 1024;  // larger bodies get 413
  size_t max_header_bytes = 16 * 1024;
  // A request must arrive (and an idle keep-alive connection is closed) within this.
  std::chrono::milliseconds read_timeout{30'000};
  std::string agent_token;  // empty: agents need no token
  // Open connections, and unauthenticated ones per source (see connection_limits.hpp).
  ConnectionLimitOptions limits;
  // A request body read before its credentials admit it (paths that need
  // none: probes, /metrics) larger than this gets 413.
  size_t max_preauth_body_bytes = 64 * 1024;
  // Counts what the edge refused (http and agent_ws); may be null.
  EdgeMetrics* edge = nullptr;
};

class HttpServer {
 public:
  // Binds and starts accepting. Errors: invalid_input (bad address),
  // unavailable (cannot bind).
  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& ioc, const ApiService& api,
                                                   AgentHub& hub, Engine& engine, HttpServerOptions options);
  ~HttpServer();

  // "HOST:PORT" actually bound (the real port when 0 was asked for).
  std::string bound_address() const;
  uint16_t port() const;
  // Closes the acceptor and every open HTTP connection and commits the agent
  // reports already received; idempotent. Agent sessions are closed through
  // the hub.
  void stop();

  struct Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace mend
