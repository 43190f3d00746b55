#pragma once
// Starting a script in its own process group, and signalling that group.
// The agent never fork()s: a copy of a large process with threads and open
// sockets is slow and unsafe. It uses vfork + execve, and between the two the
// child makes only async-signal-safe calls.
#include <sys/types.h>

#include <string>
#include <vector>

#include "agent/account.hpp"
#include "common/result.hpp"

namespace mend::agent {

struct SpawnRequest {
  std::string path;               // executable to execve
  std::vector<std::string> argv;  // argv[0] included
  std::vector<std::string> env;   // "NAME=value"; the whole environment
  Account account;                // identity switched to when switch_user
  std::string cwd;                // chdir target; "/" when it fails
  int inherit_fd = -1;            // when set, handed to the child as its fd 3
};

// The started child. The three pipe ends belong to the caller (close them).
struct Spawned {
  pid_t pid = -1;  // also the process group id
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// Starts the child in a new process group with stdin/stdout/stderr on pipes,
// default signal dispositions, an empty signal mask and no other inherited fds
// (but req.inherit_fd as fd 3).
// Errors: internal when pipes cannot be made or the exec fails (message holds
// the errno text and which step failed).
Result<Spawned> spawn_process(const SpawnRequest& req);

// Starts scripts and supervisors: the real one (PosixProcessRunner) calls
// spawn_process; unit tests substitute a fake to make a start fail or to see
// what would have been started without starting it.
class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Same contract as spawn_process.
  virtual Result<Spawned> spawn(const SpawnRequest& req) = 0;
};

class PosixProcessRunner final : public ProcessRunner {
 public:
  Result<Spawned> spawn(const SpawnRequest& req) override { return spawn_process(req); }
};

// The process-wide real runner (stateless).
ProcessRunner& posix_process_runner();

// Sends sig to every process in group pgid. Returns false when the group is gone.
bool signal_group(pid_t pgid, int sig);

// True while group pgid has a member that is not a zombie. Zombies count as gone:
// an orphan waits for PID 1 to reap it, which in containers may never happen.
bool group_alive(pid_t pgid);

}  // namespace mend::agent
