#include "agent/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mend::agent {

Error io_error(const std::string& what, const std::filesystem::path& p, int err) {
  return make_error(ErrorCode::unavailable, what + " " + p.string() + ": " + std::strerror(err));
}

Result<void> write_all(int fd, std::string_view data, const std::filesystem::path& p) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("write", p, errno);
    done += static_cast<size_t>(n);
  }
  return ok();
}

Result<void> fsync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("open", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("fsync", dir, err);
  return ok();
}

}  // namespace mend::agent
