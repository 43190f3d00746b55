#pragma once
// Where agents come in: the one place their reports reach the engine, and
// the native agents' WebSocket intake.
//
// - Native agents: a listener that sees an upgrade request for
//   proto::kAgentPath (is_agent_upgrade) hands the connection over with
//   serve(); the gateway reads the rest of the request, accepts the upgrade
//   and runs the agent session (agent_session.hpp) until it ends.
// - Reports: every agent's starts and results, native (whichever listener
//   it came in on) or Ibex-protocol (ibex_rpc_server.hpp, given batcher()),
//   go through one ReportBatcher (group commit).
//
// Threading: `ex` (the constructor's) is the state thread's, where the
// engine, the hub, the store and the batcher run; serve() runs on the
// thread of the connection it is given (the network thread) and the session
// hops to `ex` for everything else. Lifetime: hub, engine, and whatever the
// options point to must outlive both io_contexts; the gateway must outlive
// every listener that hands it connections.
#include <functional>
#include <string>

#include "common/asio.hpp"
#include "dispatch/agent_hub.hpp"
#include "dispatch/connection_limits.hpp"
#include "dispatch/live_output.hpp"
#include "dispatch/report_batcher.hpp"
#include "engine/engine.hpp"
#include "tls/asio_ssl.hpp"
#include "tls/peer_certificate.hpp"

namespace mend {

struct AgentGatewayOptions {
  std::string agent_token;  // empty: agents need no token
  // Why an agent's certificate is refused (revoked), "" when it is not; unset: none is.
  std::function<std::string(const tls::PeerCertificate&)> certificate_refusal;
  // Agents' live output goes through it (watchers at once, the database
  // throttled); null: written at once.
  LiveOutput* live = nullptr;
  // What the agent WebSocket refused before a hello (oversize requests and
  // hellos); may be null.
  EdgeCounters* edge = nullptr;
  ReportBatcher::Options batching;
};

// What the listener knows of a connection it hands over with an upgrade request.
struct AgentUpgrade {
  // The client's verified certificate, if it sent one (then the ident is its name).
  tls::PeerCertificate peer;
  // The listener speaks TLS: agents then need a certificate unless the
  // legacy shared token is configured.
  bool tls = false;
  // The connection's place in the listener's limits: marked authenticated
  // once the hello is accepted. Must outlive serve().
  ConnectionLimits::Ticket* ticket = nullptr;
};

class AgentGateway {
 public:
  AgentGateway(asio::any_io_executor ex, AgentHub& hub, Engine& engine, AgentGatewayOptions options);

  // True for the request that opens a native agent's channel.
  static bool is_agent_upgrade(const http::request_parser<http::string_body>& parser);

  // Takes the connection whose request headers `parser` holds (read from
  // `buffer`): reads the rest of the request (an upgrade announcing a body is
  // refused unread), then serves the agent until the connection ends. Never
  // throws. Arguments are references that must live until the awaitable
  // completes (GCC 12 mis-destroys coroutine argument temporaries).
  awaitable<void> serve(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                        http::request_parser<http::string_body>& parser, const AgentUpgrade& conn);
  awaitable<void> serve(beast::ssl_stream<beast::tcp_stream>& stream, beast::flat_buffer& buffer,
                        http::request_parser<http::string_body>& parser, const AgentUpgrade& conn);

  // Group commit of every agent's starts and results.
  ReportBatcher& batcher() { return batcher_; }

  // At shutdown, after the listeners stopped: commits the reports already
  // received and answers each (see ReportBatcher::drain).
  void drain() { batcher_.drain(); }

 private:
  template <class Stream>
  awaitable<void> serve_any(Stream& stream, beast::flat_buffer& buffer,
                            http::request_parser<http::string_body>& parser, const AgentUpgrade& conn);

  asio::any_io_executor state_;
  AgentHub& hub_;
  Engine& engine_;
  AgentGatewayOptions options_;
  EdgeCounters own_edge_;  // when options_.edge is null
  EdgeCounters* edge_;
  ReportBatcher batcher_;
};

}  // namespace mend
