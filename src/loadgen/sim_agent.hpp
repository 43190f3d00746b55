#pragma once
// One simulated agent: a real agent::Connection (its own WebSocket, its own
// ident, the real Hello/Welcome and reconnect logic) whose executor forks
// nothing. An Assign is answered with Started and then a success Result, at
// once or after a fixed time, so a benchmark measures the server and not
// process creation. Like the real agent it runs each dispatch at most once,
// re-sends a result until acknowledged, and obeys Kill.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "agent/connection.hpp"
#include "common/asio.hpp"
#include "loadgen/assign_log.hpp"

namespace mend::loadgen {

// Counters over all agents of one process.
struct FleetStats {
  size_t connected = 0;  // agents with a welcomed session now
  size_t welcomes = 0;   // sessions welcomed, reconnects included
  size_t assigns = 0;    // Assign frames received
  size_t results = 0;    // Result frames sent (first sends only)
  size_t acks = 0;
  size_t kills = 0;
};

struct SimBehaviour {
  std::chrono::milliseconds exec_time{0};
  std::string stdout_text;
};

class SimAgent {
 public:
  // Single-threaded: everything on ex's thread. `stats` and `log` must outlive
  // the agent; `log` may be null.
  SimAgent(asio::any_io_executor ex, agent::ConnectionOptions conn, const SimBehaviour& behaviour,
           FleetStats& stats, AssignLog* log);
  SimAgent(const SimAgent&) = delete;
  SimAgent& operator=(const SimAgent&) = delete;

  // Connects, serves and reconnects until stop().
  awaitable<void> run();
  void stop();
  // Sends every result not yet acknowledged again (the real agent does so
  // every few seconds); the caller sweeps all agents with one timer.
  void resend_unacked();

  const std::string& ident() const { return ident_; }
  bool connected() const { return conn_.connected(); }

 private:
  void on_welcome();
  void on_closed();
  void on_message(proto::Message m);
  void on_assign(const proto::Assign& a);
  void on_kill(const proto::Kill& k);
  void finish(int64_t dispatch_id, int64_t task_id, proto::RunOutcome status);

  asio::any_io_executor ex_;
  std::string ident_;
  const SimBehaviour& behaviour_;
  FleetStats& stats_;
  AssignLog* log_;
  agent::Connection conn_;
  bool was_connected_ = false;
  bool stopping_ = false;
  std::unordered_map<int64_t, std::shared_ptr<asio::steady_timer>> running_;
  std::map<int64_t, proto::ResultMsg> unacked_;
  std::unordered_set<int64_t> finished_;  // acknowledged: never run again
};

}  // namespace mend::loadgen
