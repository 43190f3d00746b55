#pragma once
// The agent's protocol logic: ties the connection, the spool and the running
// executions together. Decides, for every Assign and Kill, whether to run,
// re-send, report "lost" or ignore, so a dispatch runs at most once.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>

#include "agent/child_reaper.hpp"
#include "agent/config.hpp"
#include "agent/connection.hpp"
#include "agent/executor.hpp"
#include "agent/running_dispatch.hpp"
#include "agent/spool.hpp"
#include "agent/process.hpp"
#include "agent/supervised_run.hpp"
#include "common/asio.hpp"
#include "common/clock.hpp"

namespace mend::agent {

// A process-wide SystemClock, the agent's default.
const Clock& real_clock();

class Agent {
 public:
  // Single-threaded: everything runs on ex's io_context thread. The agent must
  // outlive the io_context's run() (it is referenced from handlers). clock
  // (tombstone ages) and runner (scripts and supervisors) are the real ones
  // unless a test passes fakes; both must outlive the agent.
  Agent(asio::any_io_executor ex, AgentConfig cfg, Spool spool, ConnectionOptions conn,
        const Clock& clock = real_clock(), ProcessRunner& runner = posix_process_runner());

  // Recovers the spool (turning dispatches that died with the last agent into
  // "lost" results) and prunes old tombstones. Call once before run().
  Result<void> start();
  // Serves until stop().
  awaitable<void> run();
  // Stops taking assignments and closes the connection. Supervised scripts keep
  // running and the next agent adopts them.
  void stop();
  // The first half of an orderly stop: an Assign is ignored from now on (not
  // recorded, so the server assigns it again later), while results still go
  // out and acknowledgements come in. stop() follows.
  void stop_taking_assignments();
  // Whether a server has welcomed this agent and the session is up.
  bool connected() const { return conn_.connected(); }

  // Why the agent stopped by itself (empty when stop() was called from
  // outside): e.g. a server that requires a token this agent was not given,
  // which retrying cannot fix.
  const std::string& gave_up() const { return gave_up_; }

  size_t running_count() const { return running_.size(); }
  size_t pending_count() const { return pending_.size(); }

 private:
  void on_welcome();
  void on_refused(const std::string& url, const std::string& reason);
  void on_message(proto::Message m);
  void handle_assign(const proto::Assign& a);
  void handle_kill(const proto::Kill& k);
  void handle_ack(const proto::Ack& a);
  ExecOptions exec_options() const;
  std::shared_ptr<RunningDispatch> start_in_process(const proto::Assign& a);
  Result<std::shared_ptr<SupervisedRun>> launch_supervisor();
  // The spare supervisor started ahead of time, or a fresh one.
  Result<std::shared_ptr<SupervisedRun>> take_spare_supervisor();
  void prepare_spare_supervisor();
  // Registers a running dispatch and waits for its result in the background.
  void track(std::shared_ptr<RunningDispatch> run);
  awaitable<void> execute(std::shared_ptr<RunningDispatch> run);
  // Spools r durably (unless a supervisor already did), then sends it; it is
  // re-sent until acknowledged.
  void finish(proto::ResultMsg r, bool already_spooled = false);
  void resend_all();
  awaitable<void> resend_loop();

  asio::any_io_executor ex_;
  const Clock& clock_;
  ProcessRunner& runner_;
  AgentConfig cfg_;
  Spool spool_;
  ChildReaper reaper_;
  Connection conn_;
  asio::steady_timer resend_timer_;
  std::map<int64_t, std::shared_ptr<RunningDispatch>> running_;
  std::map<int64_t, proto::ResultMsg> pending_;  // spooled, not yet acknowledged
  std::shared_ptr<SupervisedRun> spare_;  // idle, ready for the next dispatch
  asio::steady_timer spare_timer_;  // starts the next spare a while after a script started
  bool stopping_ = false;
  bool taking_assignments_ = true;
  std::string gave_up_;
};

}  // namespace mend::agent
