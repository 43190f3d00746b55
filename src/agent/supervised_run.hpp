#pragma once
// The agent's side of a supervisor process (see supervisor.hpp).
//
// SupervisedRun starts `<exe> supervise ...` for a dispatch, relays its
// Started and Output lines, turns a kill into SIGTERM to the supervisor, and
// once the supervisor exits reads the result it spooled.
//
// The order closes every window between "recorded" and "running": the agent
// takes the dispatch's lock, launches the supervisor (which inherits the lock
// and waits on its stdin), records the dispatch, then tells the supervisor to
// go. If the agent dies anywhere in between, the supervisor sees EOF on its
// stdin and runs the dispatch if (and only if) it was recorded; a restarted
// agent finds the lock held and adopts it.
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
#include "agent/running_dispatch.hpp"
#include "agent/spool.hpp"
#include "agent/supervisor.hpp"
#include "common/asio.hpp"

namespace mend::agent {

class SupervisedRun : public RunningDispatch, public std::enable_shared_from_this<SupervisedRun> {
 public:
  using StartedFn = std::function<void(const proto::Started&)>;
  using OutputFn = std::function<void(const proto::Output&)>;

  // exe: the mend-agent binary (normally /proc/self/exe). lock: the dispatch's
  // lock, taken before it was recorded; the supervisor inherits it. The spool must
  // outlive the run. Single-threaded: all calls from the io_context thread.
  SupervisedRun(asio::any_io_executor ex, ChildReaper& reaper, Spool& spool, std::string exe,
                SupervisorOptions opts, int64_t task_id, DispatchLock lock, StartedFn on_started,
                OutputFn on_output);

  // Starts the supervisor; it waits for release() (or EOF) before it looks at
  // the dispatch. Call before the dispatch is recorded.
  Result<void> launch();
  // The dispatch could not be recorded: the supervisor exits without running it.
  void abandon();

  int64_t dispatch_id() const override { return opts_.dispatch_id; }
  // After launch() and the dispatch recorded: lets the supervisor run it, and
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
  Spool& spool_;
  std::string exe_;
  SupervisorOptions opts_;
  int64_t task_id_;
  std::optional<DispatchLock> lock_;  // ours until the supervisor holds it
  StartedFn on_started_;
  OutputFn on_output_;
  asio::steady_timer wake_;
  pid_t pid_ = -1;
  int go_fd_ = -1;  // the supervisor's stdin: one byte means "recorded, run it"
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
