#pragma once
// A child process started with posix_spawn, its stdout and stderr sent to
// files (typically in the test's TempDir). Destroying a Process that still
// runs terminates it (SIGTERM, then SIGKILL).
//
// Not thread-safe; one owner.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace mend::it {

struct ExitStatus {
  bool exited = false;  // normal exit (then code), else killed by `signal`
  int code = -1;
  int signal = 0;
  bool success() const { return exited && code == 0; }
};
std::ostream& operator<<(std::ostream& os, const ExitStatus& s);

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is the executable path
  std::filesystem::path stdout_path;
  std::filesystem::path stderr_path;
  std::filesystem::path stdin_path;  // empty: /dev/null
  std::vector<std::string> extra_env;  // "NAME=value", added to (or overriding) ours
};

class Process {
 public:
  // Throws std::runtime_error when the spawn itself fails.
  explicit Process(SpawnSpec spec);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // False once the child has exited (and been reaped).
  bool running();
  void signal(int sig);
  // Waits at most `timeout` for the exit; nullopt if it still runs.
  std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL; returns how it ended.
  ExitStatus terminate(std::chrono::milliseconds grace = std::chrono::seconds(20));
  // SIGKILL and reap.
  ExitStatus kill9();
  std::optional<ExitStatus> exit_status() const { return status_; }

  const SpawnSpec& spec() const { return spec_; }
  // The last `max_bytes` of the child's stderr (and stdout if non-empty), headed by its command line.
  void print_log_tail(std::ostream& os, size_t max_bytes = 16384) const;

 private:
  SpawnSpec spec_;
  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
};

// Runs a command to completion (killing it after `timeout`) and returns its exit and outputs.
struct RunResult {
  ExitStatus status;
  std::string out;
  std::string err;
};
RunResult run_command(std::vector<std::string> argv, const std::filesystem::path& dir,
                      const std::string& name, const std::string& stdin_text = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(60));

// True if a process with this pid exists and is not a zombie.
bool pid_alive(pid_t pid);

}  // namespace mend::it
