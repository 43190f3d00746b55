#pragma once
// One simulated Ibex-protocol agent (ibex-agentd, categraf's ibex plugin) as
// mend-server's --ibex-rpc listener sees it: its own TCP connection, a
// Server.Report heartbeat every poll interval carrying the results it holds,
// Server.GetTaskMeta for each new "start", and a success result (at once or
// after exec_time) reported on every heartbeat until a reply stops listing
// the task, as the Go agent does. "kill" ends a task as killed. Forks nothing,
// so a benchmark measures the server.
//
// Agents spread their first heartbeat over one poll interval (`phase`), as a
// fleet started at different times does.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "common/asio.hpp"
#include "proto/ibex_rpc_client_codec.hpp"
#include "proto/ibex_rpc_frame_splitter.hpp"

namespace mend::loadgen {

// Counters over all Ibex agents of one process.
struct IbexFleetStats {
  size_t connected = 0;  // agents whose first Report was answered, connected now
  size_t reports = 0;    // Report calls answered
  size_t refusals = 0;   // answers with a Message, error replies, dropped connections
  size_t starts = 0;     // new "start" entries received
  size_t metas = 0;      // GetTaskMeta calls answered with a script
  size_t results = 0;    // results reported (first reports only)
  size_t settled = 0;    // results the server stopped listing (committed)
  size_t kills = 0;
};

struct IbexBehaviour {
  std::chrono::milliseconds poll{1000};
  std::chrono::milliseconds exec_time{0};
  std::string stdout_text;
  std::chrono::milliseconds io_timeout{10'000};  // a call unanswered this long drops the connection
};

class SimIbexAgent {
 public:
  // Single-threaded: everything on ex's thread. `behaviour` and `stats` must
  // outlive the agent.
  SimIbexAgent(asio::any_io_executor ex, tcp::endpoint server, std::string ident, std::chrono::milliseconds phase,
               const IbexBehaviour& behaviour, IbexFleetStats& stats);
  SimIbexAgent(const SimIbexAgent&) = delete;
  SimIbexAgent& operator=(const SimIbexAgent&) = delete;

  // Connects and heartbeats, reconnecting a second after a failure, until stop().
  awaitable<void> run();
  void stop();

  const std::string& ident() const { return ident_; }

 private:
  struct Task {
    int64_t clock = 0;
    std::chrono::steady_clock::time_point done_at;
    std::optional<std::string> status;  // set once finished
    bool reported = false;
  };
  // One connection's life; returns when it fails or stop() is called.
  awaitable<void> serve(tcp::socket& socket);
  // One request and its answer; nullopt when the connection failed.
  awaitable<std::optional<ibex_rpc::DecodedResponse>> call(tcp::socket& socket, const ibex_rpc::Call& c,
                                                            ibex_rpc::ReplyKind kind);
  ibex_rpc::ReportRequest heartbeat();
  // Applies a Report's answer: new starts and kills, settled results.
  awaitable<bool> on_reply(tcp::socket& socket, const ibex_rpc::ReportReply& reply);

  asio::any_io_executor ex_;
  tcp::endpoint server_;
  std::string ident_;
  std::chrono::milliseconds phase_;
  const IbexBehaviour& behaviour_;
  IbexFleetStats& stats_;
  asio::steady_timer timer_;
  tcp::socket* socket_ = nullptr;  // the open connection, for stop()
  bool stopping_ = false;
  uint32_t next_msgid_ = 1;
  ibex_rpc::FrameSplitter splitter_;
  std::map<int64_t, Task> tasks_;                  // by task id: what this host holds
  std::set<std::pair<int64_t, int64_t>> ran_;      // (task, clock) already started: never twice
};

}  // namespace mend::loadgen
