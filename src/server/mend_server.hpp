#pragma once
// One mend-server: the store, the engine, the agent hub and Ibex assignment
// book, the peer relay, alert self-healing, the HTTP API with the agent
// endpoint, and the Ibex agent port, assembled from ServerSettings.
// apps/mend_server_main.cpp only reads the settings, handles signals and
// runs it; tests start it in-process the same way.
//
// Threading: the engine, the hub, the store and every decision run on the
// state thread, the one that calls run() (io_context()); with
// --network-threads 1 the HTTP listeners' sockets run on a thread run()
// starts and joins (docs/design.md, "Dispatch latency"). stop() and
// reload_rules() may be called from any thread.
// Lifetime: start() once, then run() until stop() has finished; the
// destructor stops a server that still runs and closes the store last.
#include <memory>
#include <string>

#include "common/asio.hpp"
#include "common/result.hpp"
#include "server/server_settings.hpp"

namespace mend {

// Everything that can be checked without opening the database or a socket:
// the settings' values and the rules file. Errors: invalid_input, every
// problem of the rules file at once.
Result<void> check_server_settings(const ServerSettings& settings);

class MendServer {
 public:
  explicit MendServer(ServerSettings settings);
  ~MendServer();
  MendServer(const MendServer&) = delete;
  MendServer& operator=(const MendServer&) = delete;

  // Checks the settings, opens the store, loads the rules, binds the
  // listeners, writes the ready file and finishes what a previous run left.
  // Nothing runs until run(). Errors: invalid_input (settings, rules file),
  // unavailable (database, address in use).
  Result<void> start();

  // Runs the server on the calling thread until stop() has finished.
  void run();

  // Orderly shutdown: stop accepting connections and ticking, commit the
  // agent reports already received, close the agent sessions (they get two
  // seconds to answer the close), then let run() return. Idempotent.
  void stop();

  // Reads the rules file again; a bad file is refused whole and the old
  // rules stay (the error says why).
  void reload_rules();
  // Reads the operator's --tls-cert/--tls-key again (new connections use
  // them; agents stay connected); a bad pair is refused and the old stays.
  void reload_tls();

  // After start(): "HOST:PORT" of the HTTP listener and of the Ibex agent
  // port (empty when off), and this server's id.
  std::string http_address() const;
  std::string ibex_address() const;
  const std::string& server_id() const;

  asio::io_context& io_context();

  struct Plan;  // the settings checked and parsed (mend_server.cpp)

 private:
  struct Parts;
  Result<void> open_core(Parts& parts);
  Result<void> open_accounts(Parts& parts);
  Result<void> open_trust(Parts& parts, const Plan& plan);
  Result<void> open_listeners(Parts& parts, Plan& plan);
  ServerSettings settings_;
  std::unique_ptr<Parts> parts_;
};

}  // namespace mend
