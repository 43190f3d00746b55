#pragma once
// What Mend answers to Ibex agents, independent of sockets: one decoded frame
// in, one encoded reply out. The listener (ibex_rpc_server.hpp) does the I/O.
//
//   Server.Ping        -> "pong"
//   Server.Report      -> binds the connection to its Ident (first report, if
//                         HostProtocols lets Ibex agents act for it),
//                         commits every finished result through the report
//                         batcher (group commit with every other agent's
//                         reports), and then lists from memory every
//                         (task, clock, action) wanted on that host
//   Server.GetTaskMeta -> script, args, account, stdin of a task assigned to
//                         the connection's ident (else Message refuses it)
//
// Clock is Mend's dispatch id. Ibex agents do not report a start, so a start
// counts as "started" when the first heartbeat reply carrying it has been
// written to the agent (after_reply_sent; batched too).
//
// A Report's reply waits for its results' commit: the agent forgets a result
// once a reply stops listing its task, so no reply may go out before the
// result is durable.
//
// Threading: not thread-safe; the server's one io_context thread, with the
// engine and the store. Engine, store, batcher, book, protocols and clock must
// outlive it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/asio.hpp"
#include "common/clock.hpp"
#include "dispatch/agent_hub.hpp"
#include "dispatch/host_protocols.hpp"
#include "dispatch/ibex_assignment_book.hpp"
#include "dispatch/report_batcher.hpp"
#include "engine/engine.hpp"
#include "proto/ibex_rpc_messages.hpp"
#include "store/store.hpp"

namespace mend {

// One connection's identity.
struct IbexConnection {
  std::string remote;  // "ADDR:PORT"
  std::string ident;   // empty until the first Report
};

struct IbexReplyPlan {
  std::string frame;  // empty: send nothing
  // Close the connection after sending `frame` (a protocol violation).
  bool close = false;
  // (task, dispatch) starts carried by `frame` that the agent had not been given yet.
  std::vector<std::pair<int64_t, int64_t>> starts;
};

class IbexRpcService {
 public:
  // Longest ident accepted (Ibex uses hostnames or IPs).
  static constexpr size_t kMaxIdentBytes = 255;

  IbexRpcService(Engine& engine, Store& store, ReportBatcher& batcher, IbexAssignmentBook& book,
                 HostProtocols& protocols, const Clock& clock)
      : engine_(engine), store_(store), batcher_(batcher), book_(book), protocols_(protocols), clock_(clock) {}

  // Handles one frame from FrameSplitter; completes when the reply may be
  // sent (a Report's results committed). Never throws. A frame that is not a
  // request at all yields {"", close}. `conn` and `frame` must live until it
  // completes.
  awaitable<IbexReplyPlan> handle(IbexConnection& conn, std::string_view frame);
  // `plan.frame` reached the socket: record its new starts.
  void after_reply_sent(const IbexConnection& conn, const IbexReplyPlan& plan);
  // The connection ended.
  void closed(const IbexConnection& conn);

  // Connected Ibex agents, protocol "ibex".
  std::vector<AgentInfo> list() const;

 private:
  awaitable<IbexReplyPlan> report(IbexConnection& conn, uint32_t msgid, const ibex_rpc::ReportRequest& req);
  // Refusals and binding for a Report: a plan to answer with at once, or
  // nothing when the report goes on.
  std::optional<IbexReplyPlan> admit(IbexConnection& conn, uint32_t msgid, const ibex_rpc::ReportRequest& req);
  IbexReplyPlan task_meta(const IbexConnection& conn, uint32_t msgid, int64_t task_id);
  Result<void> bind(IbexConnection& conn, const std::string& ident);
  // A native agent attached this connection's host since it bound: refuse and close.
  IbexReplyPlan native_took_over(const IbexConnection& conn, uint32_t msgid);
  // Commits the report's finished results; sets `message` when the agent
  // must report them again.
  awaitable<void> apply_results(const std::string& ident, const ibex_rpc::ReportRequest& req,
                                std::string& message);

  Engine& engine_;
  Store& store_;
  ReportBatcher& batcher_;
  IbexAssignmentBook& book_;
  HostProtocols& protocols_;
  const Clock& clock_;

  struct Agent {
    int connections = 0;
    std::string remote;
    int64_t connected_ms = 0;
    int64_t last_seen_ms = 0;
  };
  std::map<std::string, Agent> agents_;
};

}  // namespace mend
