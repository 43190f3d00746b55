#pragma once
// A hand-driven agent connection: the test speaks the native protocol
// (proto/agent_messages.hpp) itself, to check what the server answers to a
// hello it should refuse. Every operation is bounded by a timeout.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "proto/agent_messages.hpp"

namespace mend::it {

class RawAgent {
 public:
  RawAgent(std::string host, uint16_t port);
  ~RawAgent();

  // TCP connect and WebSocket handshake on proto::kAgentPath. False with error() set on failure.
  bool connect();
  bool send(const proto::Message& m);
  // Sends `text` as one WebSocket text frame, whatever it holds.
  bool send_text(const std::string& text);
  // The next frame, decoded; nullopt when the connection closed or nothing came in time (see error()).
  std::optional<proto::Message> receive(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Sends Hello and returns the server's first answer (Welcome or Refused), nullopt if it just closed.
  std::optional<proto::Message> hello(const std::string& ident, const std::string& token);
  void close();
  const std::string& error() const { return error_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string host_;
  uint16_t port_;
  std::string error_;
};

}  // namespace mend::it
