#pragma once
// The TCP listener for Ibex's agent protocol (mend-server --ibex-rpc ADDR):
// existing ibex-agentd and categraf fleets connect to it unchanged. One
// coroutine per connection reads frames (FrameSplitter), answers them through
// IbexRpcService, and closes the connection on a malformed or oversize frame,
// an ident switch, an ident Ibex agents may not act for (HostProtocols), or
// silence longer than idle_timeout.
//
// Results and starts go through the agent gateway's report batcher (group
// commit with every other agent's); a Report is answered after its results
// are committed.
//
// Threading: runs on the one io_context thread with the engine and the store.
// Lifetime: connections share the server's state, so destroying the
// io_context with connections open is safe; engine, store, batcher, book and
// clock must outlive the io_context; so must protocols, until stop().
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "dispatch/agent_hub.hpp"
#include "dispatch/connection_limits.hpp"
#include "dispatch/host_protocols.hpp"
#include "dispatch/ibex_assignment_book.hpp"
#include "dispatch/ibex_cidr.hpp"
#include "dispatch/report_batcher.hpp"
#include "engine/engine.hpp"
#include "proto/ibex_rpc_messages.hpp"
#include "store/store.hpp"

namespace mend {

struct IbexRpcServerOptions {
  std::string host = "0.0.0.0";  // an address or a name to resolve
  uint16_t port = 20090;         // 0: the system picks one
  // Source networks allowed to connect; empty: any. Others are closed at accept.
  std::vector<IbexCidr> allow;
  // Agents heartbeat every second by default; a connection silent this long is closed.
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{10'000};
  size_t max_frame_bytes = ibex_rpc::kDefaultMaxFrameBytes;
  // Until a connection's first Report binds it to a host it may act for, a
  // frame over this closes it: nobody has said who they are yet, and sixty
  // connections each holding a 15 MB half frame cost a gigabyte.
  size_t max_preauth_frame_bytes = 1024 * 1024;
  // Connections beyond this are closed at accept.
  size_t max_connections = 50'000;
  // Unbound connections from one source address beyond this are closed at accept.
  size_t max_unbound_per_source = 64;
  // Refusals and oversize frames are counted here; may be null.
  EdgeCounters* edge = nullptr;
  // How often the idents served here are checked against the hosts native
  // agents have served since (on other servers sharing the database).
  std::chrono::milliseconds native_recheck{5'000};
};

class IbexRpcServer {
 public:
  // Binds and starts accepting. Errors: invalid_input (bad host), unavailable (cannot bind).
  // `protocols` decides which idents Ibex agents may act for; the server
  // listens on it (on_native) until stop().
  static Result<std::unique_ptr<IbexRpcServer>> start(asio::io_context& ioc, Engine& engine,
                                                      Store& store, ReportBatcher& batcher,
                                                      IbexAssignmentBook& book,
                                                      HostProtocols& protocols, const Clock& clock,
                                                      IbexRpcServerOptions options);
  ~IbexRpcServer();

  std::string bound_address() const;  // "HOST:PORT" actually bound
  uint16_t port() const;
  // Closes the acceptor and every connection; idempotent.
  void stop();

  // Connected Ibex agents (protocol "ibex"), for `mendctl agents`.
  std::vector<AgentInfo> list() const;
  size_t connection_count() const;

  struct Impl;

 private:
  explicit IbexRpcServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace mend
