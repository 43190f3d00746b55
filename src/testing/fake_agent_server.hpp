#pragma once
// Test support, used only by *_test.cpp: mend-server's side of the native
// agent protocol, played by the test in a coroutine on the test's
// io_context. It listens on 127.0.0.1 with an ephemeral port; the test
// accepts each agent, then sends and reads frames itself. Header-only, as
// mend_testing does not link the protocol library.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "common/asio.hpp"
#include "proto/agent_messages.hpp"

namespace mend::testing {

class FakeAgentServer {
 public:
  using WS = websocket::stream<beast::tcp_stream>;

  explicit FakeAgentServer(asio::io_context& io)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
  // The base URL an agent connects to.
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  int hellos = 0;
  proto::Hello last_hello;

  // Accepts the next agent, reads its Hello and answers Welcome (or Refused).
  awaitable<std::shared_ptr<WS>> accept(bool welcome = true) {
    auto sock = co_await acceptor_.async_accept(asio::use_awaitable);
    auto ws = std::make_shared<WS>(std::move(sock));
    co_await ws->async_accept(asio::use_awaitable);
    ws->text(true);
    auto hello = co_await recv(*ws);
    EXPECT_TRUE(std::holds_alternative<proto::Hello>(hello));
    if (auto* h = std::get_if<proto::Hello>(&hello)) last_hello = *h;
    ++hellos;
    if (welcome) {
      const std::string frame = proto::encode(proto::Welcome{"test"});
      co_await send(*ws, frame);
    } else {
      const std::string frame = proto::encode(proto::Refused{"bad token"});
      co_await send(*ws, frame);
      // The agent may drop the socket first; either way the session is over.
      boost::system::error_code ec;
      co_await ws->async_close(websocket::close_code::policy_error,
                               asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return ws;
  }

  // Takes an encoded frame held by the caller: GCC 12 mishandles temporaries
  // (such as an implicit Message) inside a co_await expression.
  static awaitable<void> send(WS& ws, const std::string& frame) {
    co_await ws.async_write(asio::buffer(frame), asio::use_awaitable);
  }
  // The next frame; throws on one that does not decode (a coroutine cannot ASSERT).
  static awaitable<proto::Message> recv(WS& ws) {
    beast::flat_buffer buf;
    co_await ws.async_read(buf, asio::use_awaitable);
    auto m = proto::decode(beast::buffers_to_string(buf.data()));
    if (!m) throw std::runtime_error("bad frame from agent: " + m.error().message);
    co_return *m;
  }
  // Reads frames until one of type T; the ones before it go to `seen`.
  template <class T>
  static awaitable<T> recv_until(WS& ws, std::vector<proto::Message>* seen = nullptr) {
    while (true) {
      auto m = co_await recv(ws);
      if (auto* t = std::get_if<T>(&m)) co_return *t;
      if (seen) seen->push_back(m);
    }
  }

 private:
  tcp::acceptor acceptor_;
};

}  // namespace mend::testing
