#pragma once
// Test support, used only by *_test.cpp: a tiny HTTP/1.1 server on
// 127.0.0.1 with an ephemeral port, answering each request with a handler.
// It runs on its own thread; requests are handled one at a time, one per
// connection. Header-only so mend_testing does not carry Asio for the tests
// that do not use it.
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/asio.hpp"

namespace mend::testing {

struct SeenRequest {
  std::string method;
  std::string target;
  std::string authorization;
  std::string content_type;
  std::string body;
};

struct CannedResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  bool hang = false;  // accept and read, but never answer (for timeouts)
};

class FakeHttpServer {
 public:
  using Handler = std::function<CannedResponse(const SeenRequest&)>;

  explicit FakeHttpServer(Handler handler)
      : handler_(std::move(handler)),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeHttpServer() {
    io_.stop();
    thread_.join();
  }
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<SeenRequest> requests() const {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  awaitable<void> accept_loop() {
    while (true) {
      beast::error_code ec;
      tcp::socket socket(io_);
      co_await acceptor_.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      co_await serve(std::move(socket));
    }
  }

  awaitable<void> serve(tcp::socket socket) {
    beast::error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    co_await http::async_read(socket, buffer, req, token);
    if (ec) co_return;
    SeenRequest seen{std::string(req.method_string()), std::string(req.target()),
                     std::string(req[http::field::authorization]),
                     std::string(req[http::field::content_type]), req.body()};
    {
      std::lock_guard lock(mu_);
      seen_.push_back(seen);
    }
    CannedResponse canned = handler_(seen);
    if (canned.hang) {
      hung_.push_back(std::move(socket));  // kept open until the server stops
      co_return;
    }
    http::response<http::string_body> res{static_cast<http::status>(canned.status), 11};
    res.set(http::field::content_type, canned.content_type);
    res.body() = canned.body;
    res.keep_alive(false);
    res.prepare_payload();
    co_await http::async_write(socket, res, token);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }

  Handler handler_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::vector<tcp::socket> hung_;
  mutable std::mutex mu_;
  std::vector<SeenRequest> seen_;
  std::thread thread_;
};

// {"dat": dat, "err": ""}
inline CannedResponse ok_json(const std::string& dat_json) {
  return CannedResponse{200, R"({"dat":)" + dat_json + R"(,"err":""})"};
}

inline CannedResponse err_json(int status, const std::string& err) {
  return CannedResponse{status, R"({"err":")" + err + R"("})"};
}

}  // namespace mend::testing
