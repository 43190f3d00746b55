#include "agent/supervisor_channel.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace mend::agent {
namespace {

struct SocketPair {
  int fds[2] = {-1, -1};
  SocketPair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0); }
  ~SocketPair() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
};

TEST(SupervisorChannel, PassesTheDispatchIdADescriptorAndTheAssignmentThenGo) {
  SocketPair sp;
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ASSERT_TRUE(send_assignment(sp.fds[0], 4711, pipe_fds[1], "{\"assign\":1}"));
  ::close(pipe_fds[1]);
  auto got = receive_assignment(sp.fds[1]);
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->dispatch_id, 4711);
  EXPECT_EQ((*got)->payload, "{\"assign\":1}");
  // The received descriptor is the same pipe: what we write arrives.
  ASSERT_EQ(::write((*got)->lock_fd, "x", 1), 1);
  char c = 0;
  ASSERT_EQ(::read(pipe_fds[0], &c, 1), 1);
  EXPECT_EQ(c, 'x');
  EXPECT_NE(::fcntl((*got)->lock_fd, F_GETFD) & FD_CLOEXEC, 0);
  ::close((*got)->lock_fd);
  ::close(pipe_fds[0]);

  ASSERT_TRUE(send_go(sp.fds[0]));
  EXPECT_TRUE(wait_for_go(sp.fds[1]));
}

TEST(SupervisorChannel, AnAssignmentLargerThanTheSocketBufferArrivesWholeAndGoAfterIt) {
  SocketPair sp;
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const std::string script(3 << 20, 'x');
  std::thread sender([&] {
    EXPECT_TRUE(send_assignment(sp.fds[0], 9, pipe_fds[1], script));
    EXPECT_TRUE(send_go(sp.fds[0]));
  });
  auto got = receive_assignment(sp.fds[1]);
  sender.join();
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->payload.size(), script.size());
  EXPECT_EQ((*got)->payload, script);
  EXPECT_TRUE(wait_for_go(sp.fds[1]));
  ::close((*got)->lock_fd);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST(SupervisorChannel, EofMeansTheAgentIsGone) {
  SocketPair sp;
  ::close(sp.fds[0]);
  sp.fds[0] = -1;
  auto got = receive_assignment(sp.fds[1]);
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->has_value());
  EXPECT_FALSE(wait_for_go(sp.fds[1]));
}

TEST(SupervisorChannel, AMessageWithoutADescriptorIsRefused) {
  SocketPair sp;
  const char header[] = "00000000000000000012 0000000000\n";
  ASSERT_EQ(::write(sp.fds[0], header, 32), 32);
  auto got = receive_assignment(sp.fds[1]);
  EXPECT_FALSE(got);
}

}  // namespace
}  // namespace mend::agent
