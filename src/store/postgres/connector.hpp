#pragma once
// Opens a PostgreSQL connection without holding the caller's thread for
// longer than the caller chooses.
//
// libpq's connect blocks for as long as the network makes it (up to
// connect_timeout per address, 5 s by default in Connection::open): a server
// that reconnects on its event-loop thread to a database that went
// unreachable would stop answering agents and requests for that long. A
// Connector runs each attempt on a thread of its own; the caller waits for it
// at most `wait` and otherwise goes on, told the attempt is still under way.
// The next call picks up the finished attempt (or keeps waiting for it).
//
// An attempt still running when the Connector is destroyed finishes on its
// own thread and its connection is closed there.
//
// Threading: one thread at a time calls a Connector (as with Connection).
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "store/postgres/connection.hpp"

namespace mend::pg {

class Connector {
 public:
  Connector(std::string conninfo, std::string where);
  ~Connector();
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;

  // Starts an attempt unless one is under way.
  void start();
  // Whether an attempt was started and its outcome not yet taken.
  bool in_flight() const { return attempt_ != nullptr; }
  // The outcome of the attempt under way, waiting for it at most `wait`;
  // nullopt while it is still going (or when none was started).
  std::optional<Result<std::unique_ptr<Connection>>> take(std::chrono::milliseconds wait);

 private:
  struct Attempt;
  std::string conninfo_;
  std::string where_;
  std::shared_ptr<Attempt> attempt_;
};

// How long a caller on the server's event loop waits for a reconnect it
// started: a reachable database answers in milliseconds; an unreachable one
// can take libpq's connect_timeout (5 s by default), which it must not sit
// through.
inline constexpr std::chrono::milliseconds kConnectWait{200};

// What a store answers while an attempt is still under way.
Error still_connecting(const std::string& where);

}  // namespace mend::pg
