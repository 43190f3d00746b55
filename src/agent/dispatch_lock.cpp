#include "agent/dispatch_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mend::agent {

DispatchLock DispatchLock::adopt(int fd) {
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);  // the script must not inherit it
  return DispatchLock(fd);
}

DispatchLock& DispatchLock::operator=(DispatchLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

DispatchLock::~DispatchLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

Result<std::optional<DispatchLock>> DispatchLock::lock(const std::filesystem::path& dispatch_dir,
                                                       bool wait) {
  const std::string path = (dispatch_dir / "lock").string();
  // CLOEXEC: the script the supervisor starts must not inherit the lock, or a
  // daemon it leaves behind would keep the dispatch "running" forever.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return make_error(ErrorCode::unavailable, "open " + path + ": " + std::strerror(errno));
  while (::flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return std::optional<DispatchLock>{};
    return make_error(ErrorCode::unavailable, "flock " + path + ": " + std::strerror(err));
  }
  return std::optional<DispatchLock>{DispatchLock(fd)};
}

Result<DispatchLock> DispatchLock::acquire(const std::filesystem::path& dispatch_dir) {
  MEND_ASSIGN_OR_RETURN(auto held, lock(dispatch_dir, true));
  return std::move(*held);
}

Result<std::optional<DispatchLock>> DispatchLock::try_acquire(const std::filesystem::path& dispatch_dir) {
  return lock(dispatch_dir, false);
}

bool supervisor_alive(const std::filesystem::path& dispatch_dir) {
  auto held = DispatchLock::try_acquire(dispatch_dir);
  return held && !held->has_value();
}

}  // namespace mend::agent
