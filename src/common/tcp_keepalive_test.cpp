#include "common/tcp_keepalive.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mend {
namespace {

int get_int(int fd, int level, int name) {
  int v = -1;
  socklen_t len = sizeof v;
  EXPECT_EQ(::getsockopt(fd, level, name, &v, &len), 0);
  return v;
}

TEST(TcpDeadPeerLimit, ProbesAndTheUserTimeoutAddUpToTheLimit) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(set_tcp_dead_peer_limit(fd, std::chrono::seconds(30)));
  EXPECT_EQ(get_int(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
  const int idle = get_int(fd, IPPROTO_TCP, TCP_KEEPIDLE);
  const int interval = get_int(fd, IPPROTO_TCP, TCP_KEEPINTVL);
  const int count = get_int(fd, IPPROTO_TCP, TCP_KEEPCNT);
  EXPECT_EQ(idle + interval * count, 30);
  EXPECT_EQ(get_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 30000);
  ::close(fd);
}

TEST(TcpDeadPeerLimit, ANonSocketIsRefusedNotFatal) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EXPECT_FALSE(set_tcp_dead_peer_limit(fds[0], std::chrono::seconds(30)));
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace mend
