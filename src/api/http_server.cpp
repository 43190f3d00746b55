#include "api/http_server.hpp"

#include <array>
#include <atomic>
#include <map>
#include <nlohmann/json.hpp>

#include "api/envelope.hpp"
#include "api/listen_address.hpp"
#include "api/read_on_pool.hpp"
#include "api/url.hpp"
#include "common/asio.hpp"
#include "common/exception_message.hpp"
#include "common/log.hpp"
#include "common/run_on.hpp"
#include "common/tcp_listener.hpp"
#include "tls/asio_ssl.hpp"
#include "tls/peer_certificate.hpp"

namespace mend {

namespace {
auto tok(beast::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

beast::tcp_stream& tcp_layer(beast::tcp_stream& s) { return s; }
beast::tcp_stream& tcp_layer(TlsStream& s) { return s.next_layer(); }

// The TCP layer, shared with the stream that owns it, for stop() to close.
std::shared_ptr<beast::tcp_stream> tcp_of(const std::shared_ptr<beast::tcp_stream>& s) { return s; }
std::shared_ptr<beast::tcp_stream> tcp_of(const std::shared_ptr<TlsStream>& s) {
  return std::shared_ptr<beast::tcp_stream>(s, &s->next_layer());
}

// What wakes a streaming answer's writer early: the stream has news (on the
// state thread, posted here) or the server stops.
struct StreamWaker {
  explicit StreamWaker(const asio::any_io_executor& ex) : timer(ex) {}
  void wake() {
    woken = true;
    timer.cancel();
  }
  asio::steady_timer timer;
  bool woken = false;
};

// A script's request (the console's, X-Requested-With: XMLHttpRequest) gets
// its 401 without the challenge: a browser seeing WWW-Authenticate would open
// its own sign-in dialog over the page (the convention Spring Security and
// others follow too).
void drop_challenge(ApiResponse& res) {
  if (res.status != 401) return;
  std::erase_if(res.headers, [](const auto& h) { return beast::iequals(h.first, "WWW-Authenticate"); });
}
}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& state_ioc, asio::io_context& network_ioc, const ApiService& api, AgentGateway& agents,
       HttpServerOptions options)
      : state(state_ioc.get_executor()), acceptor(network_ioc), api(api), agents(agents),
        options(std::move(options)), limits(this->options.limits),
        edge(this->options.edge ? this->options.edge : &own_edge) {}

  void stop_here();

  awaitable<void> accept_loop();
  // With TLS, the first bytes decide: a handshake goes on to HTTPS, anything
  // else gets one plain-text answer.
  awaitable<void> start_connection(tcp::socket socket, std::shared_ptr<ConnectionLimits::Ticket> ticket);
  // References, not values: GCC 12 mis-destroys coroutine argument
  // temporaries; the caller's frame keeps them alive.
  template <class Stream>
  awaitable<void> serve(std::shared_ptr<Stream>& stream, beast::flat_buffer& buffer, const std::string& remote,
                        const tls::PeerCertificate& peer, ConnectionLimits::Ticket& ticket);
  // Stops sending, then reads and drops what the peer still sends for a
  // moment before closing: closing with unread bytes resets the connection,
  // and a reset can destroy the answer before the client reads it.
  template <class Stream>
  awaitable<void> linger_close(Stream& stream);
  // Answers 503 with `why` and closes, reading nothing.
  awaitable<void> refuse(tcp::socket socket, std::string why);
  template <class Stream>
  awaitable<void> write_error(Stream& stream, http::status status, unsigned version, std::string_view message);
  // A streaming answer (out.stream set): headers, then the stream until it ends.
  template <class Stream>
  awaitable<void> serve_stream(Stream& stream, ApiResponse& out, unsigned version);
  // Unhooks `source` and lets go of it on the state thread, where it lives;
  // only then does it stop counting in open_streams.
  awaitable<void> release_stream(std::shared_ptr<ResponseStream>& source);

  // The engine's and the store's thread: every call into `api` (and the
  // streams it answers with) hops there; sockets stay on the acceptor's.
  asio::any_io_executor state;
  tcp::acceptor acceptor;
  const ApiService& api;
  AgentGateway& agents;
  HttpServerOptions options;
  ConnectionLimits limits;
  EdgeCounters own_edge;  // when options.edge is null
  EdgeCounters* edge;
  RefusalLog refused_log{"http"};
  tcp::endpoint bound;
  bool stopped = false;
  uint64_t next_conn = 0;
  // Streaming answers not yet let go of on the state thread (read there by
  // the server's shutdown, which waits for them: a stream uses the state's parts).
  std::atomic<size_t> open_streams{0};
  // Their writers, for stop to wake at once.
  std::map<uint64_t, std::weak_ptr<StreamWaker>> wakers;
  // Open HTTP connections, so stop() can close idle keep-alive ones.
  std::map<uint64_t, std::weak_ptr<beast::tcp_stream>> conns;
};

awaitable<void> HttpServer::Impl::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    std::optional<AcceptedSocket> accepted = co_await accept_connection(acceptor, stopped, "http");
    if (!accepted) co_return;
    tcp::socket& socket = accepted->socket;
    const tcp::endpoint& peer = accepted->peer;
    // Small frames (an assignment, an ack) must leave at once: Nagle's
    // algorithm with delayed ACKs would hold them for tens of milliseconds.
    beast::error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    auto ticket = std::make_shared<ConnectionLimits::Ticket>();
    auto refusal = limits.admit(peer.address(), *ticket, *edge);
    if (refusal != ConnectionLimits::Refusal::none) {
      std::string why = refusal == ConnectionLimits::Refusal::total
                            ? "too many connections (" + std::to_string(options.limits.max_total) + ")"
                            : "too many unauthenticated connections from " + peer.address().to_string() + " (" +
                                  std::to_string(options.limits.max_unauthenticated_per_source) + ")";
      refused_log.note(endpoint_text(peer), why);
      asio::co_spawn(acceptor.get_executor(), refuse(std::move(socket), std::move(why)),
                     [](std::exception_ptr e) { log_exception(e, "http refusal"); });
      continue;
    }
    asio::co_spawn(acceptor.get_executor(), start_connection(std::move(socket), std::move(ticket)),
                   [](std::exception_ptr e) { log_exception(e, "http connection"); });
  }
}

awaitable<void> HttpServer::Impl::refuse(tcp::socket socket, std::string why) {
  auto self = shared_from_this();
  beast::tcp_stream stream(std::move(socket));
  co_await write_error(stream, http::status::service_unavailable, 11, why);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

// GCC 12 mis-destroys temporaries with destructors inside a co_await
// expression, so co_await expressions here use named locals and views only.
template <class Stream>
awaitable<void> HttpServer::Impl::write_error(Stream& stream, http::status status, unsigned version,
                                              std::string_view message) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::server, "mend/" MEND_VERSION);
  res.set(http::field::content_type, "application/json");
  res.body() = nlohmann::json{{"err", message}}.dump();
  res.keep_alive(false);
  res.prepare_payload();
  beast::error_code ec;
  tcp_layer(stream).expires_after(options.read_timeout);
  co_await http::async_write(stream, res, tok(ec));
}

// A streaming answer (server-sent events): headers without a length, then
// whatever the stream gives until it ends, the client leaves or the server
// stops; the connection closes after it. A comment line every 15 s finds
// clients that went away.
template <class Stream>
awaitable<void> HttpServer::Impl::serve_stream(Stream& stream, ApiResponse& out, unsigned version) {
  auto self = shared_from_this();
  beast::error_code ec;
  http::response<http::empty_body> res{static_cast<http::status>(out.status), version};
  res.set(http::field::server, "mend/" MEND_VERSION);
  res.set(http::field::content_type, out.content_type);
  res.set(http::field::cache_control, "no-cache");
  for (auto& [k, v] : out.headers) res.set(k, v);
  res.keep_alive(false);
  std::shared_ptr<ResponseStream> source = std::move(out.stream);
  ++open_streams;
  http::response_serializer<http::empty_body> sr{res};
  tcp_layer(stream).expires_after(options.read_timeout);
  co_await http::async_write_header(stream, sr, tok(ec));
  if (ec) {
    co_await release_stream(source);
    co_return;
  }
  // The stream lives on the state thread: next() and on_wake() are called
  // there, and its wake hops back here to cut the wait short.
  auto waker = std::make_shared<StreamWaker>(acceptor.get_executor());
  const uint64_t waker_id = next_conn++;
  wakers[waker_id] = waker;
  std::weak_ptr<StreamWaker> weak = waker;
  auto watch = run_on(state, [source, weak, here = acceptor.get_executor()] {
    source->on_wake([weak, here] {
      asio::post(here, [weak] {
        if (auto w = weak.lock()) w->wake();
      });
    });
  });
  co_await std::move(watch);
  std::string pending = std::move(out.body);
  auto quiet_since = std::chrono::steady_clock::now();
  while (!stopped) {
    waker->woken = false;
    auto ask = run_on(state, [source] { return source->next(); });
    std::optional<std::string> more = co_await std::move(ask);
    if (!more) {
      if (pending.empty()) break;
    } else {
      pending += *more;
    }
    if (pending.empty() && std::chrono::steady_clock::now() - quiet_since > std::chrono::seconds(15))
      pending = ": still here\n\n";
    if (!pending.empty()) {
      tcp_layer(stream).expires_after(options.read_timeout);
      co_await asio::async_write(stream, asio::buffer(pending), tok(ec));
      if (ec) break;
      pending.clear();
      quiet_since = std::chrono::steady_clock::now();
    }
    if (!more) break;
    if (waker->woken) continue;
    waker->timer.expires_after(std::chrono::seconds(1));
    co_await waker->timer.async_wait(tok(ec));
  }
  wakers.erase(waker_id);
  co_await release_stream(source);
}

awaitable<void> HttpServer::Impl::release_stream(std::shared_ptr<ResponseStream>& source) {
  auto unhook = run_on(state, [this, source = std::move(source)]() mutable {
    source->on_wake([] {});
    source.reset();
    --open_streams;
  });
  co_await std::move(unhook);
}

template <class Stream>
awaitable<void> HttpServer::Impl::linger_close(Stream& stream) {
  beast::error_code ec;
  beast::tcp_stream& tcp = tcp_layer(stream);
  tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::array<char, 4096> sink;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!ec && std::chrono::steady_clock::now() < until) {
    tcp.expires_at(until);
    co_await tcp.async_read_some(asio::buffer(sink), tok(ec));
  }
  tcp.socket().close(ec);
}

// With TLS: the first bytes decide. A TLS handshake goes on to HTTPS; anything
// else (plain HTTP, a port scanner) gets one plain-text answer and is closed.
awaitable<void> HttpServer::Impl::start_connection(tcp::socket socket,
                                                   std::shared_ptr<ConnectionLimits::Ticket> held) {
  auto self = shared_from_this();
  ConnectionLimits::Ticket& ticket = *held;
  beast::error_code ec;
  std::string remote = "?";
  if (auto ep = socket.remote_endpoint(ec); !ec) remote = endpoint_text(ep);
  beast::flat_buffer buffer;
  if (!options.tls) {
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    const tls::PeerCertificate none;
    co_await serve(stream, buffer, remote, none, ticket);
    co_return;
  }
  beast::tcp_stream plain(std::move(socket));
  plain.expires_after(options.handshake_timeout);
  bool is_tls = co_await beast::async_detect_ssl(plain, buffer, tok(ec));
  if (ec) {
    spdlog::debug("connection from {} ended before a TLS handshake: {}", remote, ec.message());
    co_return;
  }
  if (!is_tls) {
    spdlog::warn("connection from {}: not TLS (plain HTTP?) on the TLS port, refused", remote);
    http::response<http::string_body> res{http::status::bad_request, 11};
    res.set(http::field::server, "mend/" MEND_VERSION);
    res.set(http::field::content_type, "text/plain");
    res.body() = "This port speaks HTTPS: use https://\n";
    res.keep_alive(false);
    res.prepare_payload();
    co_await http::async_write(plain, res, tok(ec));
    plain.socket().shutdown(tcp::socket::shutdown_send, ec);
    co_return;
  }
  std::shared_ptr<ssl::context> ctx = options.tls->context();
  auto stream = std::make_shared<TlsStream>(std::move(plain), *ctx);
  size_t used = co_await stream->async_handshake(ssl::stream_base::server, buffer.data(), tok(ec));
  if (ec) {
    spdlog::warn("TLS handshake from {} failed: {}", remote,
                 tls::describe_handshake_error(ec, stream->native_handle()));
    co_return;
  }
  buffer.consume(used);
  tls::PeerCertificate peer = tls::peer_certificate(stream->native_handle());
  co_await serve(stream, buffer, remote, peer, ticket);
  // The context must outlive the connection's SSL object.
  ctx.reset();
}

template <class Stream>
awaitable<void> HttpServer::Impl::serve(std::shared_ptr<Stream>& stream, beast::flat_buffer& buffer,
                                        const std::string& remote, const tls::PeerCertificate& peer,
                                        ConnectionLimits::Ticket& ticket) {
  auto self = shared_from_this();
  beast::error_code ec;
  uint64_t id = next_conn++;
  conns[id] = tcp_of(stream);

  while (!stopped) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    tcp_layer(*stream).expires_after(options.read_timeout);
    co_await http::async_read_header(*stream, buffer, parser, tok(ec));
    unsigned version = parser.is_header_done() ? parser.get().version() : 11;
    if (ec == http::error::body_limit) {
      spdlog::warn("request from {}: body over {} bytes refused", remote, options.max_body_bytes);
      co_await write_error(*stream, http::status::payload_too_large, version, "request body too large");
      break;
    }
    if (ec == http::error::header_limit) {
      if (!ticket.is_authenticated()) ++edge->oversize_preauth;
      spdlog::warn("request from {}: headers over {} bytes refused", remote, options.max_header_bytes);
      co_await write_error(*stream, http::status::request_header_fields_too_large, version,
                           "request headers too large");
      break;
    }
    if (ec) {
      if (ec != http::error::end_of_stream && ec != beast::error::timeout && ec != asio::error::operation_aborted)
        spdlog::debug("connection from {}: {}", remote, ec.message());
      break;
    }

    if (AgentGateway::is_agent_upgrade(parser)) {
      conns.erase(id);
      const AgentUpgrade conn{peer, options.tls != nullptr, &ticket};
      co_await agents.serve(*stream, buffer, parser, conn);
      co_return;
    }

    auto& header = parser.get();
    // The request without its body: what the credentials are checked on.
    ApiRequest in;
    in.method = std::string(header.method_string());
    split_target(header.target(), in.path, in.query);
    in.authorization = std::string(header[http::field::authorization]);
    in.idempotency_key = std::string(header["Idempotency-Key"]);
    in.cookie = std::string(header[http::field::cookie]);
    in.csrf_token = std::string(header["X-CSRF-Token"]);
    in.accept_encoding = std::string(header[http::field::accept_encoding]);
    in.if_none_match = std::string(header[http::field::if_none_match]);
    in.remote = remote;
    in.secure = options.tls != nullptr;
    in.client_cert = peer;
    auto check = run_on(state, [this, &in] { return api.check_headers(in); });
    HeaderVerdict verdict = co_await std::move(check);
    if (verdict.authenticated) ticket.authenticated();
    const bool body_pending = !parser.is_done();
    const bool from_script = beast::iequals(header["X-Requested-With"], "XMLHttpRequest");
    if (verdict.refusal) {
      if (from_script) drop_challenge(*verdict.refusal);
      // Answered before the body (and instead of 100 Continue); the body, if
      // any, is never read, so the connection cannot serve another request.
      http::response<http::string_body> res{static_cast<http::status>(verdict.refusal->status), version};
      res.set(http::field::server, "mend/" MEND_VERSION);
      res.set(http::field::content_type, verdict.refusal->content_type);
      for (auto& [k, v] : verdict.refusal->headers) res.set(k, v);
      res.body() = std::move(verdict.refusal->body);
      res.keep_alive(header.keep_alive() && !body_pending && !stopped);
      res.prepare_payload();
      bool keep = res.keep_alive();
      tcp_layer(*stream).expires_after(options.read_timeout);
      co_await http::async_write(*stream, res, tok(ec));
      if (!ec && body_pending) co_await linger_close(*stream);
      if (ec || !keep) break;
      continue;
    }
    const size_t body_limit = ticket.is_authenticated() ? options.max_body_bytes : options.max_preauth_body_bytes;
    if (auto length = parser.content_length(); length && *length > body_limit) {
      if (!ticket.is_authenticated()) ++edge->oversize_preauth;
      spdlog::warn("request from {}: body of {} bytes refused (limit {})", remote, *length, body_limit);
      co_await write_error(*stream, http::status::payload_too_large, version, "request body too large");
      co_await linger_close(*stream);
      break;
    }
    parser.body_limit(body_limit);

    if (body_pending && beast::iequals(header[http::field::expect], "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, version};
      co_await http::async_write(*stream, cont, tok(ec));
      if (ec) break;
    }
    co_await http::async_read(*stream, buffer, parser, tok(ec));
    if (ec == http::error::body_limit) {
      if (!ticket.is_authenticated()) ++edge->oversize_preauth;
      spdlog::warn("request from {}: body over {} bytes refused", remote, body_limit);
      co_await write_error(*stream, http::status::payload_too_large, version, "request body too large");
      break;
    }
    if (ec) break;

    http::request<http::string_body> req = parser.release();
    in.body = std::move(req.body());
    auto answer = run_on(state, [this, in = std::move(in)]() mutable { return api.handle(std::move(in)); });
    ApiResponse out = co_await std::move(answer);
    // A long request answers in steps: agents and other requests run between them.
    while (out.resume || out.read_elsewhere) {
      if (out.read_elsewhere) {
        if (!options.reads) {
          spdlog::error("{}: a read-only answer without reader threads", std::string(req.target()));
          out = json_error(500, "internal error");
          continue;
        }
        auto read = std::move(out.read_elsewhere);
        out = co_await read_on_pool(*options.reads, read);
        continue;
      }
      auto step = run_on(state, [resume = std::move(out.resume)] { return resume(); });
      ApiResponse next = co_await std::move(step);
      out = std::move(next);
    }
    if (from_script) drop_challenge(out);
    if (out.stream) {
      co_await serve_stream(*stream, out, req.version());
      break;
    }

    http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
    res.set(http::field::server, "mend/" MEND_VERSION);
    res.set(http::field::content_type, out.content_type);
    for (auto& [k, v] : out.headers) res.set(k, v);
    res.body() = std::move(out.body);
    res.keep_alive(req.keep_alive() && !stopped);
    res.prepare_payload();
    bool keep = res.keep_alive();
    tcp_layer(*stream).expires_after(options.read_timeout);
    co_await http::async_write(*stream, res, tok(ec));
    if (ec || !keep) break;
  }
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    // close_notify, so the client knows the answer was complete; a client
    // that never answers it is cut off after a second.
    tcp_layer(*stream).expires_after(std::chrono::seconds(1));
    co_await stream->async_shutdown(tok(ec));
  }
  tcp_layer(*stream).socket().shutdown(tcp::socket::shutdown_send, ec);
  conns.erase(id);
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(asio::io_context& ioc, const ApiService& api,
                                                      AgentGateway& agents, HttpServerOptions options) {
  MEND_ASSIGN_OR_RETURN(ListenAddress where, parse_listen_address(options.address));
  asio::io_context& network = options.network ? *options.network : ioc;
  auto impl = std::make_shared<Impl>(ioc, network, api, agents, std::move(options));
  MEND_ASSIGN_OR_RETURN(impl->bound,
                        listen_tcp(network, impl->acceptor, where.host, where.port, {"listen host", ""}));
  asio::co_spawn(network, impl->accept_loop(), [](std::exception_ptr e) { log_exception(e, "http listener"); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() { stop(); }

std::string HttpServer::bound_address() const { return endpoint_text(impl_->bound); }

uint16_t HttpServer::port() const { return impl_->bound.port(); }

void HttpServer::stop() {
  // The acceptor and the connections are the network thread's.
  asio::dispatch(impl_->acceptor.get_executor(), [impl = impl_] { impl->stop_here(); });
}

void HttpServer::Impl::stop_here() {
  if (stopped) return;
  stopped = true;
  beast::error_code ec;
  acceptor.close(ec);
  auto open = std::move(conns);
  for (auto& [id, weak] : open)
    if (auto s = weak.lock()) s->socket().close(ec);
  // A stream's writer waiting for news sees `stopped` now, not in a second.
  for (auto& [id, weak] : wakers)
    if (auto w = weak.lock()) w->wake();
}

size_t HttpServer::open_streams() const { return impl_->open_streams.load(); }

}  // namespace mend
