#include "agent/child_reaper.hpp"

#include <signal.h>
#include <sys/wait.h>

namespace mend::agent {

ChildReaper::ChildReaper(asio::any_io_executor ex) : signals_(ex, SIGCHLD) { arm(); }

ChildReaper::~ChildReaper() { stop(); }

void ChildReaper::stop() {
  stopped_ = true;
  boost::system::error_code ec;
  signals_.cancel(ec);
}

void ChildReaper::arm() {
  signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec || stopped_) return;
    reap();
    arm();
  });
}

void ChildReaper::watch(pid_t pid, ExitHandler on_exit) {
  watched_[pid] = std::move(on_exit);
  // The child may have exited before it was watched; its SIGCHLD is then
  // queued but check now anyway, from the executor, never inline.
  asio::post(signals_.get_executor(), [this] { reap(); });
}

void ChildReaper::reap() {
  // Several exits can collapse into one SIGCHLD, so every watched pid is checked.
  for (auto it = watched_.begin(); it != watched_.end();) {
    int status = 0;
    pid_t r = ::waitpid(it->first, &status, WNOHANG);
    if (r == it->first || (r < 0 && errno == ECHILD)) {
      auto handler = std::move(it->second);
      it = watched_.erase(it);
      handler(r < 0 ? 0 : status);
    } else {
      ++it;
    }
  }
}

}  // namespace mend::agent
