#include "dispatch/agent_session.hpp"

#include "common/failpoint.hpp"
#include "common/overloaded.hpp"

#include <deque>
#include <memory>

#include "common/exception_message.hpp"
#include "common/log.hpp"
#include "common/log_text.hpp"
#include "common/run_on.hpp"
#include "common/tcp_keepalive.hpp"
#include "dispatch/agent_hello.hpp"

namespace mend {

namespace {

const char* outcome_name(ResultOutcome o) {
  switch (o) {
    case ResultOutcome::applied: return "applied";
    case ResultOutcome::duplicate: return "duplicate";
    case ResultOutcome::stale: return "stale";
  }
  return "?";
}

auto tok(beast::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// NextLayer: beast::tcp_stream (plain) or beast::ssl_stream<beast::tcp_stream>.
template <class NextLayer>
class AgentSession final : public AgentConnection, public std::enable_shared_from_this<AgentSession<NextLayer>> {
 public:
  using std::enable_shared_from_this<AgentSession<NextLayer>>::shared_from_this;
  using std::enable_shared_from_this<AgentSession<NextLayer>>::weak_from_this;

  AgentSession(NextLayer stream, AgentHub& hub, Engine& engine, AgentSessionOptions options)
      : ws_(std::move(stream)), wake_(ws_.get_executor()), expiry_(ws_.get_executor()), hub_(hub), engine_(engine),
        options_(std::move(options)), state_(options_.state ? options_.state : ws_.get_executor()) {
    beast::error_code ec;
    auto ep = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
    remote_ = ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  awaitable<void> run(http::request<http::string_body>& req);

  // Called by the hub on the state thread: both hand over to the network thread.
  void send(std::string frame) override;
  void close() override;
  std::string remote() const override { return remote_; }
  std::string identity(int64_t now_ms) const override { return tls::identity_state(options_.peer, false, now_ms); }
  std::string version() const override { return version_; }
  proto::Labels labels() const override { return labels_; }

 private:
  awaitable<bool> accept(http::request<http::string_body>& req);
  awaitable<bool> hello();
  awaitable<void> refuse(std::string_view reason);
  awaitable<void> write_loop();
  // The rest of the hello, on the state thread: attach to the hub, queue the
  // Welcome and the pending assignments. "" when admitted, else why not.
  std::string admit(const proto::Hello& h);
  // On the network thread: queue a frame for the writer, start closing.
  void enqueue(std::string frame);
  void close_here();
  void handle_frame(const std::string& frame);
  // On the state thread: one decoded agent message (and the hub's touch).
  void on_message(const proto::Message& msg);
  void on_result(const proto::ResultMsg& r);
  void on_started(const proto::Started& s);
  void after_result(const proto::ResultMsg& r, const Result<ResultOutcome>& res);
  void after_started(const proto::Started& s, const Result<ResultOutcome>& res);
  void malformed(const std::string& why);

  websocket::stream<NextLayer> ws_;
  asio::steady_timer wake_;  // wakes the writer when the queue fills or on close
  asio::steady_timer expiry_;  // closes the session when the agent's certificate expires
  AgentHub& hub_;
  Engine& engine_;
  AgentSessionOptions options_;
  asio::any_io_executor state_;
  std::string remote_;
  std::string ident_;
  std::string version_;  // from the hello, at most kMaxVersionBytes
  proto::Labels labels_;  // from the hello, checked
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  bool closing_ = false;        // no more frames are queued or read
  bool close_requested_ = false;  // we close: the writer sends a close frame
  int malformed_ = 0;
};

template <class NextLayer>
awaitable<bool> AgentSession<NextLayer>::accept(http::request<http::string_body>& req) {
  // WebSocket timeouts replace the TCP stream's: the handshake (and the close
  // handshake) must finish in hello_timeout, and silence beyond idle_timeout
  // (the server pings at half of it) ends the connection.
  beast::get_lowest_layer(ws_).expires_never();
  set_tcp_dead_peer_limit(beast::get_lowest_layer(ws_).socket().native_handle(), options_.dead_peer_limit);
  websocket::stream_base::timeout t{};
  t.handshake_timeout = options_.hello_timeout;
  t.idle_timeout = options_.idle_timeout;
  t.keep_alive_pings = true;
  ws_.set_option(t);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "mend/" MEND_VERSION); }));
  ws_.read_message_max(options_.max_hello_bytes);
  beast::error_code ec;
  co_await ws_.async_accept(req, tok(ec));
  if (ec) {
    spdlog::warn("agent connection from {}: websocket handshake failed: {}", remote_, ec.message());
    co_return false;
  }
  co_return true;
}

// GCC 12 mis-destroys temporaries with destructors inside a co_await
// expression (seen as an ASan bad-free), so every co_await here works on
// named locals only.
template <class NextLayer>
awaitable<void> AgentSession<NextLayer>::refuse(std::string_view reason) {
  beast::error_code ec;
  ws_.text(true);
  std::string frame = proto::encode(proto::Refused{std::string(reason)});
  co_await ws_.async_write(asio::buffer(frame), tok(ec));
  if (!ec) co_await ws_.async_close(websocket::close_code::policy_error, tok(ec));
}

template <class NextLayer>
awaitable<bool> AgentSession<NextLayer>::hello() {
  // The first frame must arrive within hello_timeout; pings answered by an
  // agent that never says hello would otherwise keep it connected forever.
  asio::steady_timer deadline(ws_.get_executor());
  deadline.expires_after(options_.hello_timeout);
  std::weak_ptr<AgentSession<NextLayer>> weak = weak_from_this();
  deadline.async_wait([weak](beast::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      spdlog::warn("agent connection from {}: no hello within {} ms, closing", self->remote_,
                   self->options_.hello_timeout.count());
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().close(ignored);
    }
  });
  beast::error_code ec;
  co_await ws_.async_read(buffer_, tok(ec));
  deadline.cancel();
  if (ec == websocket::error::message_too_big) {
    if (options_.edge) ++options_.edge->oversize_preauth;
    spdlog::warn("agent connection from {}: first frame over {} bytes, closing", remote_, options_.max_hello_bytes);
    co_return false;
  }
  if (ec) {
    spdlog::info("agent connection from {} ended before hello: {}", remote_, ec.message());
    co_return false;
  }
  auto msg = proto::decode(beast::buffers_to_string(buffer_.data()));
  buffer_.consume(buffer_.size());
  if (!msg.ok() || !std::holds_alternative<proto::Hello>(*msg)) {
    spdlog::warn("agent connection from {}: first frame is not a hello{}{}", remote_, msg.ok() ? "" : ": ",
                 msg.ok() ? "" : msg.error().message);
    co_await refuse("expected hello");
    co_return false;
  }
  const auto& h = std::get<proto::Hello>(*msg);
  if (options_.peer.present && options_.certificate_refusal) {
    // The revocation list is the store's: asked on the state thread.
    auto check = run_on(state_, [this] { return options_.certificate_refusal(options_.peer); });
    if (std::string why = co_await std::move(check); !why.empty()) {
      spdlog::warn("agent {} from {} refused: {}", options_.peer.common_name, remote_, why);
      co_await refuse(why);
      co_return false;
    }
  }
  if (!options_.peer.present && options_.require_certificate) {
    spdlog::warn("agent {} from {} refused: no certificate (enroll it with a join token, or turn the shared "
                 "--agent-token back on)",
                 log_safe(h.ident, kMaxIdentLength), remote_);
    co_await refuse("this server takes agents with a certificate only: enroll this agent with a join token");
    co_return false;
  }
  if (options_.peer.present && h.ident != options_.peer.common_name) {
    // The ident comes from the certificate: web-01's certificate never
    // receives web-02's dispatches.
    spdlog::warn("agent {} from {} refused: its certificate is for {}", log_safe(h.ident, kMaxIdentLength), remote_,
                 options_.peer.common_name);
    const std::string why =
        "this agent's certificate is for " + options_.peer.common_name + ", not " + log_safe(h.ident, kMaxIdentLength);
    co_await refuse(why);
    co_return false;
  }
  if (auto checked = check_hello(h, options_.peer.present ? std::string() : options_.agent_token); !checked.ok()) {
    // The ident is what the client chose: a newline in it must not start a log line.
    spdlog::warn("agent {} from {} refused: {}", log_safe(h.ident, kMaxIdentLength), remote_,
                 checked.error().message);
    co_await refuse(checked.error().message);
    co_return false;
  }
  // Only shown (the agents list); a client chose it, so it is kept short.
  // Set before the hub sees the session, and never changed after.
  constexpr size_t kMaxVersionBytes = 64;
  version_ = h.agent_version.substr(0, kMaxVersionBytes);
  labels_ = h.labels;
  ident_ = h.ident;
  auto admission = run_on(state_, [this, &h] { return admit(h); });
  if (std::string why = co_await std::move(admission); !why.empty()) {
    co_await refuse(why);
    co_return false;
  }
  ws_.read_message_max(options_.max_frame_bytes);
  if (options_.ticket) options_.ticket->authenticated();
  spdlog::info("agent {} connected from {} (version {}, protocol {}, {})", ident_, remote_, h.agent_version,
               h.protocol,
               options_.peer.present ? "certificate " + options_.peer.serial : std::string("shared token (legacy)"));
  co_return true;
}

template <class NextLayer>
std::string AgentSession<NextLayer>::admit(const proto::Hello& h) {
  if (auto attached = hub_.attach(h.ident, shared_from_this()); !attached.ok()) {
    spdlog::warn("agent {} from {} refused: {}", h.ident, remote_, attached.error().message);
    return attached.error().message;
  }
  // Welcome first, then what the agent should already be running. Nothing can
  // push in between: pushes come from this thread, and send() hands frames to
  // the network thread in the order it is called.
  send(proto::encode(proto::Welcome{MEND_VERSION}));
  auto pending = engine_.pending_for_host(h.ident);
  if (!pending.ok()) {
    spdlog::warn("agent {}: cannot load its pending assignments ({}), closing so it reconnects", h.ident,
                 pending.error().message);
    hub_.detach(h.ident, this);
    return "server unavailable, retry later";
  }
  for (const auto& m : *pending) send(proto::encode(m));
  spdlog::debug("agent {}: sent welcome and {} pending messages", h.ident, pending->size());
  return "";
}

template <class NextLayer>
awaitable<void> AgentSession<NextLayer>::run(http::request<http::string_body>& req) {
  if (!co_await accept(req)) co_return;
  if (!co_await hello()) co_return;

  if (options_.peer.present) {
    // The handshake checked the certificate once; a connection must not
    // outlive it. The agent renews well before, and reconnects with the new one.
    const int64_t left_ms = options_.peer.not_after_ms -
                            std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch()).count();
    expiry_.expires_after(std::chrono::milliseconds(std::max<int64_t>(left_ms, 0)));
    std::weak_ptr<AgentSession<NextLayer>> weak = weak_from_this();
    expiry_.async_wait([weak](beast::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        spdlog::warn("agent {}: certificate {} expired, closing", self->ident_, self->options_.peer.serial);
        self->close_here();
      }
    });
  }

  auto self = shared_from_this();
  asio::co_spawn(ws_.get_executor(), [self]() { return self->write_loop(); },
                 [ident = ident_](std::exception_ptr e) { log_exception(e, "agent " + ident + ": writer"); });

  beast::error_code ec;
  while (!closing_) {
    co_await ws_.async_read(buffer_, tok(ec));
    if (ec) break;
    std::string frame = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    handle_frame(frame);
  }
  closing_ = true;
  wake_.cancel();
  expiry_.cancel();
  auto leave = run_on(state_, [this] { hub_.detach(ident_, this); });
  co_await std::move(leave);
  if (!ec || ec == websocket::error::closed)
    spdlog::info("agent {} disconnected", ident_);
  else
    spdlog::info("agent {} connection lost: {}", ident_, ec.message());
}

template <class NextLayer>
void AgentSession<NextLayer>::send(std::string frame) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
    self->enqueue(std::move(frame));
  });
}

template <class NextLayer>
void AgentSession<NextLayer>::close() {
  asio::post(ws_.get_executor(), [self = shared_from_this()] { self->close_here(); });
}

template <class NextLayer>
void AgentSession<NextLayer>::enqueue(std::string frame) {
  if (closing_) {
    spdlog::debug("agent {}: connection closing, frame dropped", ident_);
    return;
  }
  if (queued_bytes_ + frame.size() > options_.max_queue_bytes) {
    spdlog::warn("agent {}: {} bytes queued, agent too slow: closing", ident_, queued_bytes_);
    close_here();
    return;
  }
  queued_bytes_ += frame.size();
  queue_.push_back(std::move(frame));
  wake_.cancel();
}

template <class NextLayer>
void AgentSession<NextLayer>::close_here() {
  if (closing_) return;
  closing_ = true;
  close_requested_ = true;
  wake_.cancel();
}

template <class NextLayer>
awaitable<void> AgentSession<NextLayer>::write_loop() {
  beast::error_code ec;
  while (!closing_) {
    if (queue_.empty()) {
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(tok(ec));
      continue;
    }
    std::string frame = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= frame.size();
    ws_.text(true);
    co_await ws_.async_write(asio::buffer(frame), tok(ec));
    if (ec) {
      spdlog::info("agent {}: write failed: {}", ident_, ec.message());
      co_return;  // the failed write closed the stream; the reader sees it
    }
  }
  if (close_requested_ && ws_.is_open()) co_await ws_.async_close(websocket::close_code::normal, tok(ec));
}

template <class NextLayer>
void AgentSession<NextLayer>::malformed(const std::string& why) {
  ++malformed_;
  spdlog::warn("agent {}: malformed frame ignored: {}", ident_, why);
  if (malformed_ >= options_.max_malformed) {
    spdlog::warn("agent {}: {} malformed frames, closing", ident_, malformed_);
    close_here();
  }
}

template <class NextLayer>
void AgentSession<NextLayer>::on_result(const proto::ResultMsg& r) {
  if (options_.live) options_.live->finish(r.dispatch_id);
  if (!options_.batcher) return after_result(r, engine_.apply_result(ident_, r));
  options_.batcher->submit(AgentReport{ident_, r}, [self = shared_from_this(), r](const Result<ResultOutcome>& res) {
    self->after_result(r, res);
  });
}

template <class NextLayer>
void AgentSession<NextLayer>::on_started(const proto::Started& s) {
  if (!options_.batcher) {
    auto res = engine_.apply_started(ident_, s);
    return after_started(s, res.ok() ? Result<ResultOutcome>(ResultOutcome::applied) : Result<ResultOutcome>(res.error()));
  }
  options_.batcher->submit(AgentReport{ident_, s}, [self = shared_from_this(), s](const Result<ResultOutcome>& res) {
    self->after_started(s, res);
  });
}

template <class NextLayer>
void AgentSession<NextLayer>::after_started(const proto::Started& s, const Result<ResultOutcome>& res) {
  if (res.ok())
    spdlog::debug("agent {}: dispatch {} started", ident_, s.dispatch_id);
  else
    spdlog::warn("agent {}: start of dispatch {} not recorded: {}", ident_, s.dispatch_id, res.error().message);
}

template <class NextLayer>
void AgentSession<NextLayer>::after_result(const proto::ResultMsg& r, const Result<ResultOutcome>& res) {
  if (res.ok()) {
    spdlog::info("agent {}: result {} for task {} dispatch {}: {}", ident_, proto::to_string(r.status), r.task_id, r.dispatch_id,
                 outcome_name(*res));
    // Crash tests die here: the result is committed, the agent has no ack and
    // re-sends it after the restart; the repeat must change nothing.
    failpoint("server.after_result_commit_before_ack");
    send(proto::encode(proto::Ack{r.dispatch_id}));
    return;
  }
  const Error& e = res.error();
  switch (e.code) {
    case ErrorCode::not_found:
    case ErrorCode::conflict:
      // Re-sending cannot help: the dispatch is unknown or can take no result.
      // Acknowledge so the agent's spool forgets it.
      spdlog::warn("agent {}: result for task {} dispatch {} dropped and acked: {}", ident_, r.task_id,
                   r.dispatch_id, e.message);
      send(proto::encode(proto::Ack{r.dispatch_id}));
      return;
    case ErrorCode::unavailable:
      spdlog::warn("agent {}: result for task {} dispatch {} not recorded yet (agent re-sends): {}", ident_,
                   r.task_id, r.dispatch_id, e.message);
      return;
    default:
      spdlog::warn("agent {}: result for task {} dispatch {} refused: {}", ident_, r.task_id, r.dispatch_id,
                   e.message);
      return;
  }
}

// Decoded here, on the network thread; applied on the state thread.
template <class NextLayer>
void AgentSession<NextLayer>::handle_frame(const std::string& frame) {
  auto msg = proto::decode(frame);
  const bool from_agent = msg.ok() && (std::holds_alternative<proto::ResultMsg>(*msg) ||
                                       std::holds_alternative<proto::Started>(*msg) ||
                                       std::holds_alternative<proto::Output>(*msg));
  if (from_agent) {
    asio::post(state_, [self = shared_from_this(), m = std::move(*msg)] { self->on_message(m); });
    return;
  }
  // Even a frame that is refused says the agent is there.
  asio::post(state_, [self = shared_from_this()] { self->hub_.touch(self->ident_); });
  if (!msg.ok()) return malformed(msg.error().message);
  if (std::holds_alternative<proto::Hello>(*msg)) return malformed("hello after the first frame");
  malformed("a server-to-agent message");
}

template <class NextLayer>
void AgentSession<NextLayer>::on_message(const proto::Message& msg) {
  hub_.touch(ident_);
  // Keep an exception from a bug in one message from reaching the io_context.
  try {
    std::visit(overloaded{
                   [&](const proto::ResultMsg& r) { on_result(r); },
                   [&](const proto::Started& s) { on_started(s); },
                   [&](const proto::Output& o) {
                     if (options_.live) return options_.live->update(ident_, o);
                     auto res = engine_.apply_output(ident_, o);
                     if (!res.ok())
                       spdlog::debug("agent {}: output of dispatch {} not recorded: {}", ident_, o.dispatch_id,
                                     res.error().message);
                   },
                   [&](const auto&) {},  // handle_frame passes only the three above
               },
               msg);
  } catch (const std::exception& e) {
    spdlog::error("agent {}: handling a frame failed: {}", ident_, e.what());
  }
}

}  // namespace

awaitable<void> serve_agent_session(beast::tcp_stream& stream, http::request<http::string_body>& req,
                                    AgentHub& hub, Engine& engine, const AgentSessionOptions& options) {
  auto session = std::make_shared<AgentSession<beast::tcp_stream>>(std::move(stream), hub, engine, options);
  co_await session->run(req);
}

awaitable<void> serve_agent_session(beast::ssl_stream<beast::tcp_stream>& stream,
                                    http::request<http::string_body>& req, AgentHub& hub, Engine& engine,
                                    const AgentSessionOptions& options) {
  auto session =
      std::make_shared<AgentSession<beast::ssl_stream<beast::tcp_stream>>>(std::move(stream), hub, engine, options);
  co_await session->run(req);
}

}  // namespace mend
