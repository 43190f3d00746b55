#pragma once
// Dead-peer detection in the kernel: TCP keepalive probes on an idle
// connection, and a limit on how long sent data may stay unacknowledged.
// It costs no wake-up of the process while the peer is alive, unlike a
// WebSocket ping per connection, which at 20,000 agents was most of an idle
// server's CPU. A peer that is gone (host down, network cut) makes the socket
// fail within about `limit`; a peer that is killed closes it at once anyway.
#include <chrono>

namespace mend {

// Sets SO_KEEPALIVE, TCP_KEEPIDLE = limit / 2, TCP_KEEPINTVL = limit / 6,
// TCP_KEEPCNT = 3 and TCP_USER_TIMEOUT = limit on fd. Best effort: returns
// false when the kernel refused one of them.
bool set_tcp_dead_peer_limit(int fd, std::chrono::seconds limit);

}  // namespace mend
