#pragma once
// One mend-agent: its TLS identity (enrolled once with a join token, renewed
// hourly), the spool and the Agent on one io_context, assembled from
// AgentSettings. apps/mend_agent_main.cpp only reads the settings, handles
// signals and runs it; tests start it in-process the same way.
//
// Threading: everything runs on the agent's one io_context thread (run());
// stop() may be called from any thread.
// Lifetime: start() once; after it succeeded, run() until it returns. The
// destructor needs no stop(): run() has returned, or never ran.
#include <memory>
#include <string>

#include "agent/agent_settings.hpp"
#include "common/asio.hpp"
#include "common/result.hpp"

namespace mend::agent {

// Everything that can be checked without touching the spool or the network:
// the settings' values and the --cacert file. Errors: invalid_input, the
// message naming the setting ("--cacert: ...").
Result<void> check_agent_settings(const AgentSettings& settings);

class MendAgent {
 public:
  // supervisor_exe: the binary each script runs under (`<exe> supervise
  // ...`), so scripts outlive the agent; ignored with settings.in_process.
  MendAgent(AgentSettings settings, std::string supervisor_exe);
  ~MendAgent();
  MendAgent(const MendAgent&) = delete;
  MendAgent& operator=(const MendAgent&) = delete;

  // Checks the settings, opens the spool, enrolls when given a join token
  // and not enrolled yet (waiting up to a minute for a server that is not up),
  // and recovers what the last agent left (adopting scripts still running
  // under their supervisors). Nothing connects until run(). Errors:
  // invalid_input (settings), and whatever stops the start (an unusable
  // spool, a refused enrollment, an unreadable certificate), each message
  // saying which.
  Result<void> start();

  // Connects (and fails over, and reconnects) on the calling thread until
  // stop() has finished or the agent gave up (gave_up()). Checks the
  // certificate's renewal at once and hourly.
  void run();

  // Orderly shutdown: takes no new assignments (the server assigns them
  // again later), gives the results already sent up to two seconds to be
  // acknowledged while the server is connected, then closes the connection
  // and lets run() return. Scripts under supervisors keep running and the
  // next agent adopts them; in-process ones are reported lost by it.
  // Idempotent.
  void stop();

  // Why the agent stopped by itself (empty after stop()): e.g. a server that
  // requires a token this agent was not given, which retrying cannot fix.
  const std::string& gave_up() const;

  // After start(): the name the server knows this host by (the certificate's,
  // once enrolled).
  const std::string& ident() const;

  asio::io_context& io_context();

 private:
  struct Parts;
  Result<void> prepare_identity(Parts& parts, const std::string& extra_ca);
  AgentSettings settings_;
  std::string supervisor_exe_;
  std::unique_ptr<Parts> parts_;
};

}  // namespace mend::agent
