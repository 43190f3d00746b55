#include "common/tcp_listener.hpp"

#include <chrono>

#include "common/log.hpp"

namespace mend {

std::string endpoint_text(const tcp::endpoint& ep) {
  auto a = ep.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

Result<tcp::endpoint> listen_tcp(asio::io_context& ioc, tcp::acceptor& acceptor, const std::string& host,
                                 uint16_t port, const ListenerNames& names) {
  beast::error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, port);
  } else {
    tcp::resolver resolver(ioc);
    auto found = resolver.resolve(host, std::to_string(port), ec);
    if (ec || found.empty())
      return make_error(ErrorCode::invalid_input, "cannot resolve " + names.host_what + " '" + host + "'");
    endpoint = found.begin()->endpoint();
  }
  auto fail = [&](const char* what) {
    return make_error(ErrorCode::unavailable, names.error_prefix + "cannot " + what + " " +
                                                  endpoint_text(endpoint) + ": " + ec.message());
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("configure");
  acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  auto bound = acceptor.local_endpoint(ec);
  if (ec) return fail("read the address of");
  return bound;
}

awaitable<std::optional<AcceptedSocket>> accept_connection(tcp::acceptor& acceptor, const bool& stopped,
                                                           const char* what) {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped) co_return std::nullopt;
    if (ec) {
      spdlog::warn("{} accept failed: {}", what, ec.message());
      asio::steady_timer backoff(acceptor.get_executor());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (stopped) co_return std::nullopt;
      continue;
    }
    auto peer = socket.remote_endpoint(ec);
    if (ec) continue;  // already gone
    co_return AcceptedSocket{std::move(socket), peer};
  }
}

}  // namespace mend
