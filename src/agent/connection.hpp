#pragma once
// The agent's WebSocket link to a mend-server: connects out, says Hello, waits
// for Welcome, then delivers every frame to the caller and sends the caller's
// frames with one write in flight and a bounded queue behind it. On any failure
// it tries the next server, and after a full round waits with exponential
// backoff and jitter. Keep-alive pings notice a dead server.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/backoff.hpp"
#include "common/asio.hpp"
#include "proto/agent_messages.hpp"

namespace mend::agent {

struct ConnectionOptions {
  std::vector<std::string> servers;  // base URLs, in order of preference
  proto::Hello hello;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds handshake_timeout{5000};
  std::chrono::milliseconds welcome_timeout{10000};
  // With no frame from the server for half of this, a ping goes out; with no
  // answer by the end of it, the connection is dropped. Longer than the
  // server's ping interval (60 s), so agents of a live server never ping.
  std::chrono::milliseconds idle_timeout{150000};
  // TCP keepalive and user timeout (common/tcp_keepalive.hpp): a server
  // host that is gone or a cut network drops the connection within this,
  // and the agent fails over.
  std::chrono::seconds dead_peer_limit{30};
  size_t max_frame = 16u << 20;
  size_t max_queued_bytes = 64u << 20;
  std::chrono::milliseconds backoff_initial{200};
  std::chrono::milliseconds backoff_cap{10000};
  uint64_t seed = 1;
};

class Connection {
 public:
  struct Events {
    std::function<void()> on_welcome;  // a session is up; queued sends go out now
    std::function<void(proto::Message)> on_message;
    std::function<void()> on_closed;  // the welcomed session ended
    // A server answered the hello with Refused (reason as sent); the
    // connection goes on to the next server unless the handler calls stop().
    std::function<void(const std::string& url, const std::string& reason)> on_refused;
  };

  // Single-threaded: all calls from the io_context thread.
  Connection(asio::any_io_executor ex, ConnectionOptions opts, Events events);

  // Connects, serves and reconnects until stop(). Never throws.
  awaitable<void> run();
  // Queues a frame on the welcomed session. Returns false (frame dropped) when
  // there is none or the queue is full: callers re-send what must arrive.
  bool send(const proto::Message& m);
  bool connected() const { return session_ != nullptr; }
  // Closes the session and ends run(). Idempotent.
  void stop();

 private:
  struct Session;
  awaitable<bool> serve(const std::string& url);
  awaitable<void> write_loop(std::shared_ptr<Session> s);

  asio::any_io_executor ex_;
  ConnectionOptions opts_;
  Events events_;
  Backoff backoff_;
  asio::steady_timer pause_;
  std::shared_ptr<Session> session_;  // welcomed session, if any
  std::shared_ptr<Session> attempt_;  // session being set up or served
  bool stopping_ = false;
};

}  // namespace mend::agent
