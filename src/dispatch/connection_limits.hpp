#pragma once
// Caps on the connections one listener holds open, and the counters /metrics
// shows for what the edge refused.
//
// Two caps: every open connection counts toward `max_total`; a connection also
// counts toward its source address's `max_unauthenticated_per_source` from
// accept until the peer proves who it is (an HTTP request that passed auth, an
// agent hello with the right token, an Ibex Report for a host it may act for).
// Many authenticated agents may share an address (NAT, a load generator), so
// they do not count per source; unauthenticated connections from one address
// are what an attacker multiplies to spend the server's memory.
//
// Threading: single-threaded, on the thread of the listener's sockets (the
// network thread). Tickets share the limits' state, so either may outlive the other.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/asio.hpp"
#include "common/result.hpp"

namespace mend {

// What the edge refused, by listener. Rendered by /metrics as
// mend_connections_refused_total{listener,reason} and
// mend_preauth_oversize_frames_total{listener}. Atomic: the listeners count
// on the network thread, /metrics reads on the state thread.
struct EdgeCounters {
  std::atomic<uint64_t> refused_total{0};       // max_total reached
  std::atomic<uint64_t> refused_per_source{0};  // max_unauthenticated_per_source reached
  std::atomic<uint64_t> refused_allow_list{0};  // source not allowed (--ibex-rpc-allow)
  // Frames, requests or bodies over the pre-authentication limit.
  std::atomic<uint64_t> oversize_preauth{0};
};

struct EdgeMetrics {
  EdgeCounters http;      // the HTTP listener (API requests)
  EdgeCounters agent_ws;  // native agents' WebSocket, before their hello
  EdgeCounters ibex_rpc;  // the Ibex agent port
};

struct ConnectionLimitOptions {
  size_t max_total = 50'000;
  size_t max_unauthenticated_per_source = 64;
};

class ConnectionLimits {
 private:
  struct State {
    ConnectionLimitOptions options;
    size_t total = 0;
    std::map<asio::ip::address, size_t> unauthenticated;
  };

 public:
  // One admitted connection. Releases its place when destroyed.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& o) noexcept;
    Ticket& operator=(Ticket&& o) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket() { release(); }
    // The peer proved who it is: it no longer counts against its source.
    void authenticated();
    bool is_authenticated() const { return authenticated_; }

   private:
    friend class ConnectionLimits;
    void release();
    std::shared_ptr<State> state_;
    asio::ip::address source_;
    bool authenticated_ = false;
  };

  explicit ConnectionLimits(ConnectionLimitOptions options);

  enum class Refusal { none, total, per_source };
  // A ticket for a new connection from `source`, or why not (the ticket is
  // then empty). Counts the refusal in `counters`.
  Refusal admit(const asio::ip::address& source, Ticket& ticket, EdgeCounters& counters);

  size_t open() const { return state_->total; }
  size_t unauthenticated_from(const asio::ip::address& source) const;

 private:
  std::shared_ptr<State> state_;
};

// Warnings about refused connections, at most one line a second with how many
// were refused since the last one: a flood of connections must not become a
// flood of log lines.
class RefusalLog {
 public:
  explicit RefusalLog(std::string listener) : listener_(std::move(listener)) {}
  void note(const std::string& remote, const std::string& why);

 private:
  std::string listener_;
  std::chrono::steady_clock::time_point next_{};
  uint64_t suppressed_ = 0;
};

// An address as a key: IPv4-mapped IPv6 as plain IPv4, so one host counts once.
asio::ip::address canonical_source(const asio::ip::address& a);

}  // namespace mend
