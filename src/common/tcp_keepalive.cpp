#include "common/tcp_keepalive.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>

namespace mend {

bool set_tcp_dead_peer_limit(int fd, std::chrono::seconds limit) {
  const int total = static_cast<int>(limit.count());
  const int on = 1;
  const int idle = std::max(1, total / 2);
  const int interval = std::max(1, total / 6);
  const int count = 3;  // idle + 3 * interval = limit
  const unsigned user_timeout_ms = static_cast<unsigned>(total) * 1000u;
  bool ok = ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == 0;
  ok &= ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) == 0;
  ok &= ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval) == 0;
  ok &= ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count) == 0;
  ok &= ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof user_timeout_ms) == 0;
  return ok;
}

}  // namespace mend
