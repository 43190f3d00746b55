#pragma once
// Runs one dispatch: writes the script, starts it as the requested account in
// its own process group, feeds stdin, captures output within limits, enforces
// the timeout, and obeys a kill. Produces the final ResultMsg; spooling and
// sending it is the caller's job.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/account.hpp"
#include "agent/child_reaper.hpp"
#include "agent/output_capture.hpp"
#include "agent/process.hpp"
#include "agent/running_dispatch.hpp"
#include "common/asio.hpp"
#include "proto/agent_messages.hpp"

namespace mend::agent {

struct ExecOptions {
  std::string ident;  // MEND_HOST
  size_t output_limit = 65536;
  std::chrono::milliseconds kill_grace{2000};      // SIGTERM -> SIGKILL
  std::chrono::milliseconds output_interval{1000};  // at most one Output per interval
  // After the main process exits, how long to wait for the pipes to reach EOF:
  // a daemon the script started may hold them open forever.
  std::chrono::milliseconds drain_limit{500};
  // After SIGKILL, how long the group may take to vanish before "killfailed".
  std::chrono::milliseconds kill_settle{500};
};

// One dispatch in flight. Create with std::make_shared; run() keeps it alive.
// Single-threaded: all calls from the io_context thread.
class Execution : public RunningDispatch, public std::enable_shared_from_this<Execution> {
 public:
  ~Execution() override;
  using StartedFn = std::function<void(const proto::Started&)>;
  using OutputFn = std::function<void(const proto::Output&)>;

  // runner starts the script (the real one unless a test passes a fake); it
  // must outlive the execution.
  Execution(asio::any_io_executor ex, ChildReaper& reaper, proto::Assign assign,
            std::filesystem::path script_path, ExecOptions opts, StartedFn on_started = {},
            OutputFn on_output = {}, ProcessRunner& runner = posix_process_runner());

  // Everything before the process start: resolves the account and writes the
  // script file. A supervisor calls it while the agent is still recording
  // the dispatch; run() calls it when nobody did. Errors: the message run()
  // would report as a failed result.
  Result<void> prepare();

  // Runs to the end and returns the result (status success, failed, timeout,
  // killed or killfailed). Failures to start are results too (status failed
  // with a message), never exceptions.
  awaitable<proto::ResultMsg> run() override;

  // The server asked to kill: SIGTERM to the group, SIGKILL after the grace.
  void kill() override;

  int64_t dispatch_id() const override { return assign_.dispatch_id; }

 private:
  enum class Phase { running, term_sent, kill_sent };

  Result<void> write_script(const Account& acct);
  awaitable<void> read_stream(std::shared_ptr<asio::posix::stream_descriptor> sd,
                              OutputCapture* cap);
  awaitable<void> write_stdin(std::shared_ptr<asio::posix::stream_descriptor> sd);
  awaitable<void> sleep_until(std::chrono::steady_clock::time_point t);
  void wake();
  void send_output_if_changed();
  proto::ResultMsg failed(const std::string& message) const;

  asio::any_io_executor ex_;
  ChildReaper& reaper_;
  ProcessRunner& runner_;
  proto::Assign assign_;
  std::optional<SpawnRequest> request_;  // set by prepare()
  std::filesystem::path script_path_;
  std::filesystem::path private_dir_;  // per-run script dir for another account; removed at the end
  ExecOptions opts_;
  StartedFn on_started_;
  OutputFn on_output_;

  asio::steady_timer wake_;
  OutputCapture out_;
  OutputCapture err_;
  uint64_t sent_out_version_ = 0;
  uint64_t sent_err_version_ = 0;
  pid_t pid_ = -1;
  bool exited_ = false;
  int wait_status_ = 0;
  bool kill_requested_ = false;
  int readers_open_ = 0;
};

}  // namespace mend::agent
