#pragma once
// The agent's side of a supervisor process (see supervisor.hpp).
//
// SupervisedRun starts `<exe> supervise ...` for a dispatch, relays its
// Started and Output lines, turns a kill into SIGTERM to the supervisor, and
// once the supervisor exits reads the result it spooled.
//
// A supervisor is launched ahead of time (the agent keeps one spare, so no
// process start sits between an assignment and its script). The order closes
// every window between "recorded" and "running": the agent takes the
// dispatch's lock, hands it to the supervisor with the dispatch id, records
// the dispatch, then says go. If the agent dies anywhere in between, the
// supervisor sees EOF and runs the dispatch if (and only if) it was recorded;
// a restarted agent finds the lock held and adopts it.
//
// AdoptedRun is for a dispatch whose supervisor an earlier agent started: it
// waits until the supervisor's lock is released, then takes the spooled
// result (or, if the supervisor died without one, reports the dispatch lost).
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/child_reaper.hpp"
#include "agent/process.hpp"
#include "agent/running_dispatch.hpp"
#include "agent/spool.hpp"
#include "agent/supervisor.hpp"
#include "common/asio.hpp"

namespace mend::agent {

class SupervisedRun : public RunningDispatch, public std::enable_shared_from_this<SupervisedRun> {
 public:
  using StartedFn = std::function<void(const proto::Started&)>;
  using OutputFn = std::function<void(const proto::Output&)>;

  // exe: the mend-agent binary (normally /proc/self/exe). The spool must
  // outlive the run. Single-threaded: all calls from the io_context thread.
  // runner starts the supervisor process (a test may pass a fake); it must
  // outlive the run.
  SupervisedRun(asio::any_io_executor ex, ChildReaper& reaper, Spool& spool, std::string exe,
                SupervisorOptions opts, StartedFn on_started, OutputFn on_output,
                ProcessRunner& runner = posix_process_runner());

  ~SupervisedRun() override { abandon(); }

  // Starts the supervisor, idle until assign().
  Result<void> launch();
  // False once the supervisor process has exited.
  bool alive() const { return pid_ > 0 && !exited_; }
  // Hands the dispatch and its lock (taken before recording it) to the
  // supervisor, which prepares the script while the caller records the
  // dispatch. Errors: unavailable when the supervisor is gone.
  Result<void> assign(const proto::Assign& a, DispatchLock lock);
  // Closes the channel without "go": an idle supervisor exits, an assigned
  // one runs its dispatch only if it was recorded.
  void abandon();

  int64_t dispatch_id() const override { return dispatch_id_; }
  // After assign() and the dispatch recorded: lets the supervisor run it, and
  // waits for the end.
  awaitable<proto::ResultMsg> run() override;
  void kill() override;
  bool result_spooled() const override { return result_spooled_; }

 private:
  awaitable<void> read_events(std::shared_ptr<asio::posix::stream_descriptor> sd);
  awaitable<void> relay_log(std::shared_ptr<asio::posix::stream_descriptor> sd);
  void on_event(std::string_view line);
  void wake();

  asio::any_io_executor ex_;
  ChildReaper& reaper_;
  ProcessRunner& runner_;
  Spool& spool_;
  std::string exe_;
  SupervisorOptions opts_;
  int64_t dispatch_id_ = 0;  // 0 while idle
  int64_t task_id_ = 0;
  StartedFn on_started_;
  OutputFn on_output_;
  asio::steady_timer wake_;
  pid_t pid_ = -1;
  int control_fd_ = -1;  // our end of the supervisor channel
  std::shared_ptr<asio::posix::stream_descriptor> events_;
  std::shared_ptr<asio::posix::stream_descriptor> log_;
  bool started_ = false;  // the supervisor said the script started (and handles SIGTERM)
  bool kill_requested_ = false;
  bool exited_ = false;
  int wait_status_ = 0;
  int readers_open_ = 0;
  bool result_spooled_ = false;
};

class AdoptedRun : public RunningDispatch, public std::enable_shared_from_this<AdoptedRun> {
 public:
  AdoptedRun(asio::any_io_executor ex, Spool& spool, int64_t dispatch_id,
             std::chrono::milliseconds poll = std::chrono::milliseconds(100));

  int64_t dispatch_id() const override { return dispatch_id_; }
  awaitable<proto::ResultMsg> run() override;
  void kill() override;
  bool result_spooled() const override { return true; }

 private:
  Spool& spool_;
  int64_t dispatch_id_;
  std::chrono::milliseconds poll_;
  asio::steady_timer timer_;
};

}  // namespace mend::agent
