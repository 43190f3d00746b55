#include "agent/supervisor_channel.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>

namespace mend::agent {

namespace {

// One buffer and room for one descriptor (SCM_RIGHTS), both ways. Holds
// pointers into itself, so it is neither copied nor moved.
struct FdMessage {
  FdMessage(void* data, size_t size) : iov{data, size} {
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
  }
  FdMessage(const FdMessage&) = delete;
  FdMessage& operator=(const FdMessage&) = delete;

  iovec iov;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
};

}  // namespace

Result<void> send_assignment(int sock, int64_t dispatch_id, int lock_fd) {
  std::string payload = std::to_string(dispatch_id);
  FdMessage m(payload.data(), payload.size());
  msghdr& msg = m.msg;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &lock_fd, sizeof(int));
  ssize_t n;
  do {
    n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(payload.size()))
    return make_error(ErrorCode::unavailable, std::string("supervisor channel: ") + std::strerror(errno));
  return ok();
}

Result<std::optional<ChannelAssignment>> receive_assignment(int sock) {
  char buf[32];
  FdMessage m(buf, sizeof buf);
  msghdr& msg = m.msg;
  ssize_t n;
  do {
    n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return make_error(ErrorCode::unavailable, std::string("supervisor channel: ") + std::strerror(errno));
  if (n == 0) return std::optional<ChannelAssignment>{};
  int fd = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
      std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
  }
  int64_t id = 0;
  auto [end, ec] = std::from_chars(buf, buf + n, id);
  if (fd < 0 || ec != std::errc() || end != buf + n || id <= 0 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
    if (fd >= 0) ::close(fd);
    return make_error(ErrorCode::invalid_input, "supervisor channel: malformed assignment");
  }
  return std::optional<ChannelAssignment>{ChannelAssignment{id, fd}};
}

bool wait_for_go(int sock) {
  char go = 0;
  ssize_t n;
  do {
    n = ::read(sock, &go, 1);
  } while (n < 0 && errno == EINTR);
  return n == 1;
}

Result<void> send_go(int sock) {
  const char go = 'g';
  ssize_t n;
  do {
    n = ::send(sock, &go, 1, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != 1) return make_error(ErrorCode::unavailable, std::string("supervisor channel: ") + std::strerror(errno));
  return ok();
}

}  // namespace mend::agent
