#pragma once
// The listening half of a TCP server, shared by the HTTP API and the Ibex RPC
// port: resolve and listen, then accept connections one at a time.
#include <cstdint>
#include <optional>
#include <string>

#include "common/asio.hpp"
#include "common/result.hpp"

namespace mend {

// "1.2.3.4:80", or "[::1]:80" for IPv6.
std::string endpoint_text(const tcp::endpoint& ep);

// How a listener's errors name it: "cannot resolve <host_what> 'h'" and
// "<error_prefix>cannot bind 1.2.3.4:80: <reason>".
struct ListenerNames {
  std::string host_what;
  std::string error_prefix;
};

// Resolves `host` (an address or a name), then opens `acceptor`, sets
// SO_REUSEADDR, binds and listens. Returns the endpoint it is bound to (with
// the port the kernel chose for port 0). Errors: invalid_input when the host
// does not resolve; unavailable when the socket cannot be opened, bound or
// listened on (the port taken, the address not local).
Result<tcp::endpoint> listen_tcp(asio::io_context& ioc, tcp::acceptor& acceptor, const std::string& host,
                                 uint16_t port, const ListenerNames& names);

struct AcceptedSocket {
  tcp::socket socket;
  tcp::endpoint peer;
};

// The next connection on `acceptor`, with its peer's address. A failed accept
// (out of file descriptors and the like) is logged as "<what> accept failed"
// and retried after 100 ms rather than spun on; a peer gone before its address
// is read is skipped. Returns nothing once `stopped` is true: the owner sets it
// and closes the acceptor to end the wait. `acceptor` and `stopped` must
// outlive the wait.
awaitable<std::optional<AcceptedSocket>> accept_connection(tcp::acceptor& acceptor, const bool& stopped,
                                                           const char* what);

}  // namespace mend
