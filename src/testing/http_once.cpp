#include "testing/http_once.hpp"

#include <exception>

#include "common/asio.hpp"

namespace mend::testing {

namespace {

// References, not values: GCC 12 mis-destroys coroutine argument
// temporaries; the caller's locals outlive the io_context's run().
awaitable<HttpReply> ask_once(const tcp::resolver::results_type& where, http::request<http::string_body>& req) {
  auto ex = co_await asio::this_coro::executor;
  beast::tcp_stream stream(ex);
  co_await stream.async_connect(where, asio::use_awaitable);
  co_await http::async_write(stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  co_await http::async_read(stream, buffer, res, asio::use_awaitable);
  co_return HttpReply{static_cast<int>(res.result_int()), res.body()};
}

}  // namespace

// Asynchronous on a private io_context, not Beast's blocking calls: a test
// process with agents has children, and a SIGCHLD arriving in this thread
// during a blocking read ends it with EINTR; the reactor just waits again.
HttpReply http_once(const std::string& host_port, const std::string& method, const std::string& target,
                    const std::string& json_body) {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  auto colon = host_port.rfind(':');
  auto where = resolver.resolve(host_port.substr(0, colon), host_port.substr(colon + 1));
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, host_port);
  if (!json_body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = json_body;
  }
  req.prepare_payload();
  HttpReply reply;
  std::exception_ptr failed;
  asio::co_spawn(ioc, ask_once(where, req), [&](std::exception_ptr e, HttpReply r) {
    failed = e;
    reply = std::move(r);
  });
  ioc.run();
  if (failed) std::rethrow_exception(failed);
  return reply;
}

}  // namespace mend::testing
