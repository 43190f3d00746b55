#include "support/raw_agent.hpp"

#include "common/asio.hpp"

namespace mend::it {

struct RawAgent::Impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};

  // Runs one async operation to completion or until `timeout`, then cancels it.
  template <class Start>
  beast::error_code run(std::chrono::milliseconds timeout, Start&& start) {
    bool done = false;
    beast::error_code result;
    start([&](beast::error_code ec, auto&&...) {
      done = true;
      result = ec;
    });
    ioc.restart();
    ioc.run_for(timeout);
    if (!done) {
      beast::error_code ignored;
      beast::get_lowest_layer(ws).socket().cancel(ignored);
      ioc.restart();
      ioc.run();
      if (!result) result = asio::error::timed_out;
      if (result == asio::error::operation_aborted) result = asio::error::timed_out;
    }
    return result;
  }
};

RawAgent::RawAgent(std::string host, uint16_t port) : impl_(std::make_unique<Impl>()), host_(std::move(host)), port_(port) {}

RawAgent::~RawAgent() { close(); }

bool RawAgent::connect() {
  const auto t = std::chrono::seconds(30);
  tcp::endpoint ep(asio::ip::make_address(host_), port_);
  auto ec = impl_->run(t, [&](auto h) { beast::get_lowest_layer(impl_->ws).socket().async_connect(ep, h); });
  if (ec) {
    error_ = "connect: " + ec.message();
    return false;
  }
  std::string host = host_ + ":" + std::to_string(port_);
  ec = impl_->run(t, [&](auto h) { impl_->ws.async_handshake(host, proto::kAgentPath, h); });
  if (ec) {
    error_ = "websocket handshake: " + ec.message();
    return false;
  }
  impl_->ws.text(true);
  return true;
}

bool RawAgent::send(const proto::Message& m) { return send_text(proto::encode(m)); }

bool RawAgent::send_text(const std::string& frame) {
  auto ec = impl_->run(std::chrono::seconds(30), [&](auto h) { impl_->ws.async_write(asio::buffer(frame), h); });
  if (ec) error_ = "write: " + ec.message();
  return !ec;
}

std::optional<proto::Message> RawAgent::receive(std::chrono::milliseconds timeout) {
  beast::flat_buffer buf;
  auto ec = impl_->run(timeout, [&](auto h) { impl_->ws.async_read(buf, h); });
  if (ec) {
    error_ = ec == websocket::error::closed ? "closed by server (" + std::string(impl_->ws.reason().reason) + ")"
                                            : "read: " + ec.message();
    return std::nullopt;
  }
  std::string text = beast::buffers_to_string(buf.data());
  auto decoded = proto::decode(text);
  if (!decoded.ok()) {
    error_ = "undecodable frame: " + text;
    return std::nullopt;
  }
  return std::move(decoded).value();
}

std::optional<proto::Message> RawAgent::hello(const std::string& ident, const std::string& token) {
  if (!connect()) return std::nullopt;
  proto::Hello h;
  h.ident = ident;
  h.token = token;
  h.agent_version = "it-raw";
  if (!send(h)) return std::nullopt;
  return receive();
}

void RawAgent::close() {
  if (!impl_) return;
  beast::error_code ec;
  beast::get_lowest_layer(impl_->ws).socket().close(ec);
}

}  // namespace mend::it
