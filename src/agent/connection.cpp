#include "agent/connection.hpp"

#include "agent/server_url.hpp"
#include "common/log.hpp"
#include "tls/tls_context.hpp"
#include "common/tcp_keepalive.hpp"

namespace mend::agent {

using boost::system::error_code;

namespace {
auto tok(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }
}  // namespace

// What send() and stop() need of a session, whatever it runs over.
struct Connection::Session {
  explicit Session(asio::any_io_executor ex) : wake(ex) {}
  virtual ~Session() = default;
  asio::steady_timer wake;  // cancelled to tell the writer there is work
  std::deque<std::string> queue;
  size_t queued_bytes = 0;
  bool open = true;

  virtual void close_socket() = 0;
  // A polite close frame; shut() follows when it is done or timed out (the
  // websocket timeout option bounds the close handshake).
  virtual void close_politely(std::shared_ptr<Session> self) = 0;
  void shut() {
    open = false;
    wake.cancel();
    close_socket();
  }
};

// NextLayer: beast::tcp_stream (http://, ws://) or an ssl_stream over it.
template <class NextLayer>
struct Connection::SessionOn final : Connection::Session {
  SessionOn(asio::any_io_executor ex, NextLayer next, std::shared_ptr<ssl::context> ctx)
      : Session(ex), tls_context(std::move(ctx)), ws(std::move(next)) {}
  std::shared_ptr<ssl::context> tls_context;  // outlives the stream's SSL object
  websocket::stream<NextLayer> ws;

  void close_socket() override {
    error_code ec;
    beast::get_lowest_layer(ws).socket().close(ec);
  }
  void close_politely(std::shared_ptr<Session> self) override {
    ws.async_close(websocket::close_code::going_away, [self](error_code) { self->shut(); });
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
    s->open = false;
    s->wake.cancel();
    s->close_politely(s);
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
    co_await pause_.async_wait(tok(ec));
  }
}

awaitable<bool> Connection::serve(const std::string& url) {
  auto parsed = parse_server_url(url);
  if (!parsed) {
    spdlog::error("{}", parsed.error().message);
    co_return false;
  }
  error_code ec;
  tcp::resolver resolver(ex_);
  auto endpoints = co_await resolver.async_resolve(parsed->host, parsed->port, tok(ec));
  if (ec || stopping_) {
    if (ec) spdlog::warn("server {}: resolve: {}", url, ec.message());
    co_return false;
  }
  beast::tcp_stream tcp_layer(ex_);
  tcp_layer.expires_after(opts_.connect_timeout);
  co_await tcp_layer.async_connect(endpoints, tok(ec));
  if (!ec) {
    // Started/result frames are small: send them now, not after a delayed ACK.
    beast::error_code nodelay_ec;
    tcp_layer.socket().set_option(tcp::no_delay(true), nodelay_ec);
    set_tcp_dead_peer_limit(tcp_layer.socket().native_handle(), opts_.dead_peer_limit);
  }
  if (ec || stopping_) {
    if (ec) spdlog::warn("server {}: connect: {}", url, ec.message());
    co_return false;
  }
  const std::string host_header = parsed->host + ":" + parsed->port;
  if (!parsed->tls) {
    auto s = std::make_shared<SessionOn<beast::tcp_stream>>(ex_, std::move(tcp_layer), nullptr);
    co_return co_await serve_websocket(s, url, host_header);
  }

  std::shared_ptr<ssl::context> ctx = opts_.tls_context ? opts_.tls_context() : nullptr;
  if (!ctx) {
    spdlog::error("server {}: no TLS settings for an https:// server", url);
    co_return false;
  }
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;
  auto s = std::make_shared<SessionOn<TlsStream>>(ex_, TlsStream(std::move(tcp_layer), *ctx), ctx);
  attempt_ = s;
  TlsStream& tls_stream = s->ws.next_layer();
  // SNI for a name (not an address), and the server's certificate must name
  // the host we asked for, whichever CA signed it.
  error_code parse_ec;
  asio::ip::make_address(parsed->host, parse_ec);
  if (parse_ec) SSL_set_tlsext_host_name(tls_stream.native_handle(), parsed->host.c_str());
  tls_stream.set_verify_callback(ssl::host_name_verification(parsed->host));
  beast::get_lowest_layer(s->ws).expires_after(opts_.handshake_timeout);
  co_await tls_stream.async_handshake(ssl::stream_base::client, tok(ec));
  if (ec || stopping_) {
    if (ec)
      spdlog::error("server {}: TLS handshake failed: {}", url,
                    tls::describe_handshake_error(ec, tls_stream.native_handle()));
    attempt_.reset();
    s->shut();
    co_return false;
  }
  co_return co_await serve_websocket(s, url, host_header);
}

template <class NextLayer>
awaitable<bool> Connection::serve_websocket(std::shared_ptr<SessionOn<NextLayer>>& s, const std::string& url,
                                            const std::string& host_header) {
  attempt_ = s;
  error_code ec;
  beast::get_lowest_layer(s->ws).expires_after(opts_.handshake_timeout);
  websocket::response_type answer;
  co_await s->ws.async_handshake(answer, host_header, proto::kAgentPath, tok(ec));
  if (ec || stopping_) {
    // The server's answer says why it declined (a TLS port reached with
    // http://, a wrong path): worth more to the operator than Beast's message.
    std::string why(answer.body().substr(0, 200));
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
    if (ec && answer.result_int() != 0 && !why.empty())
      spdlog::warn("server {}: websocket handshake declined: HTTP {}: {}", url, answer.result_int(), why);
    else if (ec)
      spdlog::warn("server {}: websocket handshake: {}", url, ec.message());
    attempt_.reset();
    s->shut();
    co_return false;
  }
  // From here the websocket's own timeouts govern the stream.
  beast::get_lowest_layer(s->ws).expires_never();
  websocket::stream_base::timeout t{};
  t.handshake_timeout = opts_.handshake_timeout;
  t.idle_timeout = opts_.idle_timeout;
  t.keep_alive_pings = true;
  s->ws.set_option(t);
  s->ws.read_message_max(opts_.max_frame);
  s->ws.text(true);

  const std::string hello = proto::encode(opts_.hello);
  co_await s->ws.async_write(asio::buffer(hello), tok(ec));
  // A server that accepts the socket but never answers must not hold us.
  asio::steady_timer welcome_timer(ex_);
  welcome_timer.expires_after(opts_.welcome_timeout);
  welcome_timer.async_wait([s](error_code e) {
    if (!e) s->shut();
  });
  beast::flat_buffer buf;
  if (!ec) co_await s->ws.async_read(buf, tok(ec));
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
    co_await s->ws.async_read(buf, tok(ec));
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

template <class NextLayer>
awaitable<void> Connection::write_loop(std::shared_ptr<SessionOn<NextLayer>> s) {
  while (s->open) {
    if (s->queue.empty()) {
      s->wake.expires_at(asio::steady_timer::time_point::max());
      error_code ec;
      co_await s->wake.async_wait(tok(ec));
      continue;
    }
    // The frame stays in the queue while written so its buffer outlives the write.
    error_code ec;
    co_await s->ws.async_write(asio::buffer(s->queue.front()), tok(ec));
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
