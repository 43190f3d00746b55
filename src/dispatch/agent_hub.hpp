#pragma once
// The registry of connected agents: which session serves which host ident.
// The engine pushes assignments and kills through it (AgentPush); the HTTP API
// lists it. A session registers itself after its Hello and leaves on close.
//
// Threading: not thread-safe; used from the server's one io_context thread.
// Ownership: the hub holds sessions weakly; a session lives as long as its
// coroutine, so an entry whose session is gone counts as disconnected.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "engine/agent_push.hpp"
#include "proto/agent_messages.hpp"

namespace mend {

// The hub's view of one agent connection.
class AgentConnection {
 public:
  virtual ~AgentConnection() = default;
  // Queues one encoded frame; never blocks. Dropped when the connection is closing.
  virtual void send(std::string frame) = 0;
  // Starts closing the connection (the session detaches itself when it ends).
  virtual void close() = 0;
  virtual std::string remote() const = 0;
  // How the agent proved its ident (tls::identity_state): enrolled, expiring,
  // revoked, legacy_token; "" when unknown (fakes).
  virtual std::string identity(int64_t /*now_ms*/) const { return {}; }
  // The version the agent said it runs in its hello ("" when it did not).
  virtual std::string version() const { return {}; }
  // The labels of its hello (checked: proto::check_labels).
  virtual proto::Labels labels() const { return {}; }
};

struct AgentInfo {
  std::string ident;
  std::string protocol;  // "native"
  std::string remote;
  int64_t connected_ms = 0;
  int64_t last_seen_ms = 0;
  std::string identity;  // see AgentConnection::identity; "ibex" for Ibex-protocol agents
  std::string version;   // as the agent said; "" when unknown
  proto::Labels labels;  // as the agent said (native agents only)
  std::string server;    // the server id holding its connection; "" for this one
};

class AgentHub final : public AgentPush {
 public:
  explicit AgentHub(const Clock& clock) : clock_(clock) {}

  // Registers `conn` as the session of `ident`. conflict when another live
  // session holds the ident (the newcomer is refused, the old one keeps it).
  // Calls the attach listener after a successful attach.
  Result<void> attach(const std::string& ident, const std::shared_ptr<AgentConnection>& conn);
  // Listeners, called in the order added (HostProtocols: the host is native
  // now; AgentPresence: write its row).
  void on_attach(std::function<void(const std::string& ident)> listener) {
    on_attach_.push_back(std::move(listener));
  }
  // Called when an ident leaves the hub (its session ended).
  void on_detach(std::function<void(const std::string& ident)> listener) {
    on_detach_.push_back(std::move(listener));
  }
  // Removes `ident` only if `conn` is the session holding it.
  void detach(const std::string& ident, const AgentConnection* conn);
  // Records that the agent of `ident` was heard from now.
  void touch(const std::string& ident);

  std::vector<AgentInfo> list() const;
  // The one agent's entry, when it has a live session here.
  std::optional<AgentInfo> find(const std::string& ident) const;
  // Whether `ident` has a live session here.
  bool connected(const std::string& ident) const { return live(ident) != nullptr; }
  size_t connected_count() const;
  // Sends `m` to the agent of `host`; false when it is not connected.
  bool send(const std::string& host, const proto::Message& m);
  // Closes every session (shutdown).
  void close_all();
  // Closes the session of `ident` (a revoked agent); false when there is none.
  bool close(const std::string& ident);

  void push_assign(const std::string& host, const proto::Assign& assign) override;
  void push_kill(const std::string& host, const proto::Kill& kill) override;

 private:
  struct Entry {
    std::weak_ptr<AgentConnection> conn;
    std::string remote;
    int64_t connected_ms = 0;
    int64_t last_seen_ms = 0;
  };
  std::shared_ptr<AgentConnection> live(const std::string& ident) const;

  const Clock& clock_;
  std::map<std::string, Entry> agents_;
  std::vector<std::function<void(const std::string&)>> on_attach_;
  std::vector<std::function<void(const std::string&)>> on_detach_;
};

}  // namespace mend
