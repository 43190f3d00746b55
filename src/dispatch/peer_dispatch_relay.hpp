#pragma once
// Several servers on one database: an assignment or kill committed by another
// server for a host whose agent is connected here reaches that agent at once.
//
// The committing server's engine announces the hosts in its transaction
// (StoreTx::notify_peers: one PostgreSQL NOTIFY at commit). This relay listens
// on a DispatchFeed (its own database connection), and for each host named
// that has an agent connected here (native or Ibex protocol), loads what the
// host should be running (Engine::pending_for_host, the path a connecting
// agent takes) and pushes what this server has not sent it yet.
//
// Notifications can be missed (the listener's connection drops, the database
// restarts), so every catch_up_interval, and after every (re)connect, it also
// checks the open dispatches of every host connected here against what it
// has sent, and sends what is missing.
//
// It is also the AgentPush the engine holds: it forwards every push to
// `local` and remembers it, so the checks do not send it a second time.
// (What a session sends when its agent connects is not remembered: the next
// check may send it once more, which the agent ignores.)
//
// Threading: the server's one io_context thread, like the engine and hub.
// Lifetime: start(ex) once the io_context exists; stop() to end listening;
// close() after the io_context has stopped running and before it is
// destroyed (it drops the timer and the watch on the feed's socket, which
// the feed itself closes).
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "engine/agent_push.hpp"
#include "engine/engine.hpp"
#include "store/store.hpp"

namespace mend {

struct PeerRelayOptions {
  std::chrono::milliseconds catch_up_interval{3000};
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{5000};
};

// Which hosts have an agent connected to this server.
struct LocalAgents {
  std::function<bool(const std::string&)> serves;
  std::function<std::vector<std::string>()> hosts;
};

class PeerDispatchRelay final : public AgentPush {
 public:
  // `feed` may be null (SQLite: one server): then start() does nothing and
  // this is a plain forwarding push that remembers nothing. The engine is set with attach(), since
  // the engine is built with this relay as its push.
  PeerDispatchRelay(Store& store, std::unique_ptr<DispatchFeed> feed, AgentPush& local, LocalAgents agents,
                    PeerRelayOptions options = {});
  ~PeerDispatchRelay() override;

  void attach(Engine& engine) { engine_ = &engine; }
  void start(asio::any_io_executor ex);
  void stop();
  void close();

  void push_assign(const std::string& host, const proto::Assign& assign) override;
  void push_kill(const std::string& host, const proto::Kill& kill) override;

  // Sends `hosts` (those connected here) what they should have and did not
  // get from this server. Returns how many messages it sent.
  int deliver(const std::vector<std::string>& hosts);
  // Checks every host connected here against its open dispatches; delivers
  // to those with something unsent. Returns how many messages it sent.
  Result<int> catch_up();

  // Counters for /metrics and tests.
  struct Counters {
    int64_t notifications = 0;  // heard from other servers
    int64_t relayed = 0;        // messages sent because of a notification
    int64_t caught_up = 0;      // messages sent by a periodic check
    int64_t feed_connects = 0;
  };
  const Counters& counters() const { return counters_; }

 private:
  // (dispatch id, is a kill)
  using Key = std::pair<int64_t, bool>;
  awaitable<void> run();
  // nullopt when the host's work cannot be loaded now.
  std::optional<int> deliver_one(const std::string& host);
  void release_socket();

  Store& store_;
  std::unique_ptr<DispatchFeed> feed_;
  AgentPush& local_;
  LocalAgents agents_;
  PeerRelayOptions options_;
  Engine* engine_ = nullptr;
  std::map<std::string, std::set<Key>> sent_;  // per host: what this server pushed
  std::optional<asio::any_io_executor> ex_;
  std::optional<asio::steady_timer> timer_;
  std::optional<asio::posix::stream_descriptor> socket_;
  bool stopped_ = false;
  Counters counters_;
};

}  // namespace mend
