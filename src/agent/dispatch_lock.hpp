#pragma once
// Tells whether a dispatch's supervisor is alive: the supervisor holds an
// exclusive flock on <dispatch dir>/lock for its whole life. A lock, not a pid
// file: a pid can be reused after a reboot, a lock dies with its holder.
//
// The agent also takes the lock before it declares a dispatch "lost", and the
// supervisor checks for a result under the lock before it runs the script, so
// an agent that restarts while a supervisor is just starting can never both
// report "lost" and let the script run.
#include <filesystem>
#include <optional>

#include "common/result.hpp"

namespace mend::agent {

class DispatchLock {
 public:
  // Blocks until the lock is ours. Errors: unavailable when the file cannot be opened.
  static Result<DispatchLock> acquire(const std::filesystem::path& dispatch_dir);
  // nullopt when someone else holds it.
  static Result<std::optional<DispatchLock>> try_acquire(const std::filesystem::path& dispatch_dir);

  // Takes over a descriptor that already holds the lock (a supervisor gets
  // the agent's lock as its fd 3, so the lock is never free between the
  // agent recording the dispatch and the supervisor running it).
  static DispatchLock adopt(int fd);
  int fd() const { return fd_; }

  DispatchLock(DispatchLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  DispatchLock& operator=(DispatchLock&& o) noexcept;
  DispatchLock(const DispatchLock&) = delete;
  DispatchLock& operator=(const DispatchLock&) = delete;
  ~DispatchLock();

 private:
  explicit DispatchLock(int fd) : fd_(fd) {}
  static Result<std::optional<DispatchLock>> lock(const std::filesystem::path& dispatch_dir, bool wait);
  int fd_ = -1;
};

// True while some process holds the dispatch's lock (its supervisor runs).
bool supervisor_alive(const std::filesystem::path& dispatch_dir);

}  // namespace mend::agent
