#pragma once
// The HTTP listener: Ibex and native routes through ApiService; an upgrade to
// the agent WebSocket (proto::kAgentPath) is handed to dispatch's AgentGateway
// (agents authenticate with their certificate or token there, not with basic auth).
// With TLS, bytes that are not a TLS handshake get a plain-text 400 saying
// the port speaks HTTPS.
//
// Nothing is spent on a peer before it proves who it is: credentials are
// checked on the headers, before a byte of the body is read (and before
// `Expect: 100-continue` is answered); connections are capped in total and,
// while unauthenticated, per source address, and refused with a 503 that
// says so.
//
// An answer with a stream (ApiResponse::stream: the console's server-sent
// events) is written as the stream gives it, then the connection closes. A
// read-only answer (ApiResponse::read_elsewhere) runs on options.reads while
// the io thread serves the rest; the connection waits for it.
//
// Threading: sockets (TLS, HTTP parsing, WebSocket frames) live on
// options.network, the engine and the store on the io_context given to
// start() (the state thread): every call into `api`, and every stream it
// answers with, runs there, and the connection waits for it. Without
// options.network both are that one io_context.
// Lifetime: connections hold the server's state, so an io_context destroyed
// with connections still open is safe; `api` and `agents` must outlive both
// io_contexts.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/api_service.hpp"
#include "common/result.hpp"
#include "dispatch/agent_gateway.hpp"
#include "dispatch/connection_limits.hpp"
#include "store/read_pool.hpp"
#include "tls/server_tls.hpp"

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
  // TLS on every connection (the context current at accept time, so a
  // reload applies to new connections only); null: plain HTTP.
  std::shared_ptr<tls::ServerTls> tls;
  // A TLS handshake must finish within this; half-open handshakes are dropped.
  std::chrono::milliseconds handshake_timeout{10'000};
  // Open connections, and unauthenticated ones per source (see connection_limits.hpp).
  ConnectionLimitOptions limits;
  // A request body read before its credentials admit it (paths that need
  // none: probes, /metrics) larger than this gets 413.
  size_t max_preauth_body_bytes = 64 * 1024;
  // Counts what the HTTP edge refused; may be null. (The agent WebSocket's
  // refusals are the gateway's.)
  EdgeCounters* edge = nullptr;
  // Where read-only answers (ApiResponse::read_elsewhere) run; must be set
  // when the routes' ApiContext::reads_elsewhere is, and outlive the server.
  ReadPool* reads = nullptr;
  // Where the listener and its connections run (the network thread); null:
  // on the io_context given to start(), with everything else.
  boost::asio::io_context* network = nullptr;
};

class HttpServer {
 public:
  // Binds and starts accepting. Errors: invalid_input (bad address),
  // unavailable (cannot bind).
  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& ioc, const ApiService& api,
                                                   AgentGateway& agents, HttpServerOptions options);
  ~HttpServer();

  // "HOST:PORT" actually bound (the real port when 0 was asked for).
  std::string bound_address() const;
  uint16_t port() const;
  // Streaming answers (ApiResponse::stream) this server still holds. Each
  // uses the state's parts until the state thread lets go of it, so a
  // server shutting down waits for this to reach 0 before its state goes.
  size_t open_streams() const;
  // Closes the acceptor and every open HTTP connection, on the network
  // thread (at once when called there); idempotent. Agent sessions are
  // closed through the hub, their reports drained by the gateway.
  void stop();

  struct Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace mend
