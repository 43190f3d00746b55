#pragma once
// The server side of one native agent connection (WebSocket, proto::kAgentPath).
// Included only by the session itself and the HTTP server that hands sockets
// over, so Beast stays out of every other header.
#include <chrono>
#include <cstddef>
#include <string>

#include "common/asio.hpp"
#include "dispatch/agent_hub.hpp"
#include "dispatch/connection_limits.hpp"
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
};

// Takes `stream` (moved from) and accepts the WebSocket upgrade in `req` on it,
// then serves the agent until
// the connection ends: Hello (token, ident, attach to `hub`), then Welcome and
// every pending assignment, then results, starts and output into `engine`.
// Never throws. `hub` and `engine` must outlive the io_context running it;
// `req` and `options` must live until the returned awaitable completes
// (references, not values: GCC 12 mis-destroys coroutine argument temporaries).
awaitable<void> serve_agent_session(beast::tcp_stream& stream, http::request<http::string_body>& req,
                                    AgentHub& hub, Engine& engine, const AgentSessionOptions& options);

}  // namespace mend
