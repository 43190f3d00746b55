#include "store/sqlite/file_mode.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace mend::sqlite {

namespace {

bool is_plain_path(const std::string& path) {
  return !path.empty() && path != ":memory:" && std::string_view(path).substr(0, 5) != "file:";
}

std::string octal(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

}  // namespace

Result<void> create_private_file(const std::string& path) {
  if (!is_plain_path(path)) return ok();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return ok();
    return make_error(ErrorCode::unavailable, "sqlite: cannot create '" + path + "': " + std::strerror(errno));
  }
  // The umask only takes bits away, but an ACL default or a umask of 0 must
  // not matter either: set the mode outright.
  int rc = ::fchmod(fd, 0600);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    ::unlink(path.c_str());
    return make_error(ErrorCode::unavailable, "sqlite: cannot make '" + path + "' private: " + std::strerror(err));
  }
  return ok();
}

std::vector<std::string> wider_than_private(const std::string& path) {
  std::vector<std::string> out;
  if (!is_plain_path(path)) return out;
  for (const std::string& p : {path, path + "-wal", path + "-shm"}) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) continue;
    if ((st.st_mode & 077) != 0)
      out.push_back(p + " has mode " + octal(st.st_mode) +
                    ": other local users may read task scripts and stdin; chmod 600 it (and its -wal and -shm)");
  }
  return out;
}

}  // namespace mend::sqlite
