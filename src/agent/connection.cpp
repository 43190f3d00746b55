#include "agent/connection.hpp"

#include "agent/server_url.hpp"
#include "common/log.hpp"
#include "common/tcp_keepalive.hpp"

namespace mend::agent {

using boost::system::error_code;

struct Connection::Session {
  explicit Session(asio::any_io_executor ex) : ws(ex), wake(ex) {}
  websocket::stream<beast::tcp_stream> ws;
  asio::steady_timer wake;  // cancelled to tell the writer there is work
  std::deque<std::string> queue;
  size_t queued_bytes = 0;
  bool open = true;

  void shut() {
    open = false;
    wake.cancel();
    error_code ec;
    beast::get_lowest_layer(ws).socket().close(ec);
  }
};

Connection::Connection(asio::any_io_executor ex, ConnectionOptions opts, Events events)
    : ex_(ex),
      opts_(std::move(opts)),
      events_(std::move(events)),
      backoff_(opts_.backoff_initial, opts_.backoff_cap, 0.2, opts_.seed),
      pause_(ex) {}

bool Connection::send(const proto::Message& m) {
  if (!session_ || !session_->open) return false;
  std::string frame = proto::encode(m);
  if (session_->queued_bytes + frame.size() > opts_.max_queued_bytes) {
    spdlog::warn("send queue full ({} bytes); frame dropped", session_->queued_bytes);
    return false;
  }
  session_->queued_bytes += frame.size();
  session_->queue.push_back(std::move(frame));
  session_->wake.cancel();
  return true;
}

void Connection::stop() {
  if (stopping_) return;
  stopping_ = true;
  pause_.cancel();
  if (auto s = attempt_) {
    // A polite close frame first; shut() follows when it is done or timed out
    // (the websocket timeout option bounds the close handshake).
    s->open = false;
    s->wake.cancel();
    s->ws.async_close(websocket::close_code::going_away, [s](error_code) { s->shut(); });
  }
}

awaitable<void> Connection::run() {
  while (!stopping_) {
    bool welcomed = false;
    for (size_t i = 0; i < opts_.servers.size() && !stopping_ && !welcomed; ++i) {
      welcomed = co_await serve(opts_.servers[i]);
    }
    if (stopping_) break;
    // After a good session, reconnect soon (to the preferred server first);
    // after a round where nobody answered, back off further each time.
    if (welcomed) backoff_.reset();
    auto delay = backoff_.next();
    spdlog::debug("reconnecting in {} ms", delay.count());
    pause_.expires_after(delay);
    error_code ec;
    co_await pause_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

awaitable<bool> Connection::serve(const std::string& url) {
  auto parsed = parse_server_url(url);
  if (!parsed) {
    spdlog::error("{}", parsed.error().message);
    co_return false;
  }
  auto s = std::make_shared<Session>(ex_);
  attempt_ = s;
  auto& tcp_layer = beast::get_lowest_layer(s->ws);
  error_code ec;

  tcp::resolver resolver(ex_);
  auto endpoints = co_await resolver.async_resolve(parsed->host, parsed->port,
                                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec || stopping_) {
    if (ec) spdlog::warn("server {}: resolve: {}", url, ec.message());
    attempt_.reset();
    co_return false;
  }
  tcp_layer.expires_after(opts_.connect_timeout);
  co_await tcp_layer.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) {
    // Started/result frames are small: send them now, not after a delayed ACK.
    beast::error_code nodelay_ec;
    tcp_layer.socket().set_option(tcp::no_delay(true), nodelay_ec);
    set_tcp_dead_peer_limit(tcp_layer.socket().native_handle(), opts_.dead_peer_limit);
  }
  if (ec || stopping_) {
    if (ec) spdlog::warn("server {}: connect: {}", url, ec.message());
    attempt_.reset();
    co_return false;
  }
  tcp_layer.expires_after(opts_.handshake_timeout);
  const std::string host_header = parsed->host + ":" + parsed->port;
  co_await s->ws.async_handshake(host_header, proto::kAgentPath,
                                 asio::redirect_error(asio::use_awaitable, ec));
  if (ec || stopping_) {
    if (ec) spdlog::warn("server {}: websocket handshake: {}", url, ec.message());
    attempt_.reset();
    s->shut();
    co_return false;
  }
  // From here the websocket's own timeouts govern the stream.
  tcp_layer.expires_never();
  websocket::stream_base::timeout t{};
  t.handshake_timeout = opts_.handshake_timeout;
  t.idle_timeout = opts_.idle_timeout;
  t.keep_alive_pings = true;
  s->ws.set_option(t);
  s->ws.read_message_max(opts_.max_frame);
  s->ws.text(true);

  const std::string hello = proto::encode(opts_.hello);
  co_await s->ws.async_write(asio::buffer(hello),
                             asio::redirect_error(asio::use_awaitable, ec));
  // A server that accepts the socket but never answers must not hold us.
  asio::steady_timer welcome_timer(ex_);
  welcome_timer.expires_after(opts_.welcome_timeout);
  welcome_timer.async_wait([s](error_code e) {
    if (!e) s->shut();
  });
  beast::flat_buffer buf;
  if (!ec) co_await s->ws.async_read(buf, asio::redirect_error(asio::use_awaitable, ec));
  welcome_timer.cancel();
  if (ec || stopping_) {
    if (ec) spdlog::warn("server {}: no welcome: {}", url, ec.message());
    attempt_.reset();
    s->shut();
    co_return false;
  }
  auto first = proto::decode(beast::buffers_to_string(buf.data()));
  if (!first || !std::holds_alternative<proto::Welcome>(*first)) {
    if (first && std::holds_alternative<proto::Refused>(*first)) {
      const std::string reason = std::get<proto::Refused>(*first).reason;
      spdlog::error("server {} refused this agent: {}", url, reason);
      if (events_.on_refused) events_.on_refused(url, reason);
    } else {
      spdlog::warn("server {}: expected welcome, got {}", url,
                   first ? "another message" : first.error().message);
    }
    attempt_.reset();
    s->shut();
    co_return false;
  }
  spdlog::info("connected to {} (server {})", url, std::get<proto::Welcome>(*first).server_version);
  session_ = s;
  asio::co_spawn(ex_, write_loop(s), asio::detached);
  if (events_.on_welcome) events_.on_welcome();

  while (s->open) {
    buf.clear();
    co_await s->ws.async_read(buf, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!stopping_) spdlog::warn("server {}: connection lost: {}", url, ec.message());
      break;
    }
    auto m = proto::decode(beast::buffers_to_string(buf.data()));
    if (!m) {
      spdlog::warn("server {}: bad frame: {}", url, m.error().message);
      continue;
    }
    if (events_.on_message) events_.on_message(std::move(*m));
  }
  s->shut();
  session_.reset();
  attempt_.reset();
  if (events_.on_closed) events_.on_closed();
  co_return true;
}

awaitable<void> Connection::write_loop(std::shared_ptr<Session> s) {
  while (s->open) {
    if (s->queue.empty()) {
      s->wake.expires_at(asio::steady_timer::time_point::max());
      error_code ec;
      co_await s->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    // The frame stays in the queue while written so its buffer outlives the write.
    error_code ec;
    co_await s->ws.async_write(asio::buffer(s->queue.front()),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (!s->open) break;
    s->queued_bytes -= s->queue.front().size();
    s->queue.pop_front();
    if (ec) {
      spdlog::warn("write failed: {}", ec.message());
      s->shut();
    }
  }
}

}  // namespace mend::agent
