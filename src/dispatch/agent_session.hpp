#pragma once
// The server side of one native agent connection (WebSocket, proto::kAgentPath).
// Included only by the session itself and the HTTP server that hands sockets
// over, so Beast stays out of every other header.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "common/asio.hpp"
#include "tls/asio_ssl.hpp"
#include "tls/peer_certificate.hpp"
#include "dispatch/agent_hub.hpp"
#include "dispatch/connection_limits.hpp"
#include "dispatch/live_output.hpp"
#include "dispatch/report_batcher.hpp"
#include "engine/engine.hpp"

namespace mend {

struct AgentSessionOptions {
  std::string agent_token;  // empty: any token is accepted
  std::chrono::milliseconds hello_timeout{10'000};
  // Silence this long closes the connection; the server pings at half of it.
  // Long, because a ping per agent is what an idle server spends its CPU
  // on; a host that is gone is noticed by the kernel within dead_peer_limit.
  std::chrono::milliseconds idle_timeout{120'000};
  // TCP keepalive and user timeout (common/tcp_keepalive.hpp): a dead
  // agent host or a cut network closes the session within this.
  std::chrono::seconds dead_peer_limit{30};
  size_t max_frame_bytes = 16 * 1024 * 1024;
  // Until the hello is accepted, a frame over this closes the connection: a
  // hello has no business being megabytes, and nobody is authenticated yet.
  size_t max_hello_bytes = 64 * 1024;
  // The connection's place in the listener's limits: marked authenticated
  // once the hello is accepted. May be null.
  ConnectionLimits::Ticket* ticket = nullptr;
  // Oversize hellos are counted here; may be null.
  EdgeCounters* edge = nullptr;
  // Frames queued for a slow agent beyond this close its connection.
  size_t max_queue_bytes = 64 * 1024 * 1024;
  // Malformed frames tolerated before the connection is closed.
  int max_malformed = 10;
  // Starts and results go through it (group commit) when set; applied one
  // transaction each otherwise. Must outlive the session.
  ReportBatcher* batcher = nullptr;
  // The agent's verified TLS certificate, if it sent one: then the ident is
  // its name (a hello naming another host is refused) and no token is asked.
  tls::PeerCertificate peer;
  // Agents without a certificate are refused (a TLS listener without the
  // legacy shared --agent-token).
  bool require_certificate = false;
  // Why a certificate is refused (revoked), "" when it is not; unset: none is.
  std::function<std::string(const tls::PeerCertificate&)> certificate_refusal;
  // Live output goes through it (watchers at once, the database throttled)
  // when set; written at once otherwise. Must outlive the session.
  LiveOutput* live = nullptr;
  // Where the hub, the engine, the batcher and the live output run (the
  // state thread); the session's own socket work stays on its stream's
  // executor (the network thread). Unset: the stream's executor, both on one thread.
  asio::any_io_executor state;
};

// Takes `stream` (moved from) and accepts the WebSocket upgrade in `req` on it,
// then serves the agent until
// the connection ends: Hello (token, ident, attach to `hub`), then Welcome and
// every pending assignment, then results, starts and output into `engine`.
// Frames are read, decoded, encoded and written on the stream's executor;
// the hub, the engine and the batcher are only called on options.state, and
// the hub may call the session's send() and close() from there.
// Never throws. `hub` and `engine` must outlive both io_contexts;
// `req` and `options` must live until the returned awaitable completes
// (references, not values: GCC 12 mis-destroys coroutine argument temporaries).
awaitable<void> serve_agent_session(beast::tcp_stream& stream, http::request<http::string_body>& req,
                                    AgentHub& hub, Engine& engine, const AgentSessionOptions& options);
// The same over TLS.
awaitable<void> serve_agent_session(beast::ssl_stream<beast::tcp_stream>& stream,
                                    http::request<http::string_body>& req, AgentHub& hub, Engine& engine,
                                    const AgentSessionOptions& options);

}  // namespace mend
