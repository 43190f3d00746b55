#pragma once
// Learns when the agent's children exit: one SIGCHLD signal_set, and on each
// signal a waitpid(pid, WNOHANG) for every child still watched. No polling.
#include <sys/types.h>

#include <functional>
#include <map>

#include "common/asio.hpp"

namespace mend::agent {

class ChildReaper {
 public:
  // on_exit gets the raw wait status (WIFEXITED/WEXITSTATUS/WIFSIGNALED...).
  using ExitHandler = std::function<void(int wait_status)>;

  // Must be constructed (it installs the SIGCHLD handler) before children start,
  // so no exit signal is missed. Single-threaded: use from the io_context thread.
  explicit ChildReaper(asio::any_io_executor ex);
  ~ChildReaper();

  // Calls on_exit once, from the io_context, when pid has exited and was reaped.
  void watch(pid_t pid, ExitHandler on_exit);
  void stop();

 private:
  void arm();
  void reap();

  asio::signal_set signals_;
  std::map<pid_t, ExitHandler> watched_;
  bool stopped_ = false;
};

}  // namespace mend::agent
