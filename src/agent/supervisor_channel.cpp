#include "agent/supervisor_channel.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
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

constexpr size_t kHeaderSize = 32;
// A script larger than this is refused by the server long before.
constexpr size_t kMaxPayload = 256u << 20;

Error channel_error() {
  return make_error(ErrorCode::unavailable, std::string("supervisor channel: ") + std::strerror(errno));
}

}  // namespace

Result<void> send_assignment(int sock, int64_t dispatch_id, int lock_fd, std::string_view payload) {
  char header[kHeaderSize + 1];
  std::snprintf(header, sizeof header, "%020lld %010zu\n", static_cast<long long>(dispatch_id), payload.size());
  FdMessage m(header, kHeaderSize);
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
  if (n < 0) return channel_error();
  // A stream socket may take the header in parts; the descriptor went with the first.
  for (size_t done = static_cast<size_t>(n); done < kHeaderSize;) {
    ssize_t k = ::send(sock, header + done, kHeaderSize - done, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return channel_error();
    done += static_cast<size_t>(k);
  }
  for (size_t done = 0; done < payload.size();) {
    ssize_t k = ::send(sock, payload.data() + done, payload.size() - done, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return channel_error();
    done += static_cast<size_t>(k);
  }
  return ok();
}

Result<std::optional<ChannelAssignment>> receive_assignment(int sock) {
  char buf[kHeaderSize];
  FdMessage m(buf, sizeof buf);
  msghdr& msg = m.msg;
  ssize_t n;
  // MSG_WAITALL: the whole header (it never reads past it, into the payload).
  do {
    n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return channel_error();
  if (n == 0) return std::optional<ChannelAssignment>{};
  int fd = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
      std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
  }
  int64_t id = 0;
  size_t size = 0;
  auto [id_end, id_ec] = std::from_chars(buf, buf + 20, id);
  auto [size_end, size_ec] = std::from_chars(buf + 21, buf + 31, size);
  if (fd < 0 || n != static_cast<ssize_t>(kHeaderSize) || id_ec != std::errc() || id_end != buf + 20 ||
      id <= 0 || buf[20] != ' ' || size_ec != std::errc() || size_end != buf + 31 || buf[31] != '\n' ||
      size > kMaxPayload || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
    if (fd >= 0) ::close(fd);
    return make_error(ErrorCode::invalid_input, "supervisor channel: malformed assignment");
  }
  ChannelAssignment a{id, fd, std::string(size, '\0')};
  for (size_t done = 0; done < size;) {
    ssize_t k = ::recv(sock, a.payload.data() + done, size - done, MSG_WAITALL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      ::close(fd);
      return k == 0 ? make_error(ErrorCode::unavailable, "supervisor channel: the agent left mid-assignment")
                    : channel_error();
    }
    done += static_cast<size_t>(k);
  }
  return std::optional<ChannelAssignment>{std::move(a)};
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
