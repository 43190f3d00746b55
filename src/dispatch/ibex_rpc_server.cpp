#include "dispatch/ibex_rpc_server.hpp"

#include <algorithm>
#include <map>

#include "common/asio.hpp"
#include "common/exception_message.hpp"
#include "common/log.hpp"
#include "common/tcp_listener.hpp"
#include "dispatch/ibex_rpc_service.hpp"
#include "proto/ibex_rpc_frame_splitter.hpp"

namespace mend {

namespace {

auto tok(beast::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// endpoint_text, but an IPv4-mapped address (an IPv4 peer of a dual-stack
// listener) reads as plain IPv4.
std::string unmapped_text(const tcp::endpoint& ep) {
  auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return endpoint_text(tcp::endpoint(asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()), ep.port()));
  return endpoint_text(ep);
}

constexpr size_t kReadChunk = 64 * 1024;

}  // namespace

struct IbexRpcServer::Impl : std::enable_shared_from_this<IbexRpcServer::Impl> {
  Impl(asio::io_context& ioc, Engine& engine, Store& store, ReportBatcher& batcher, IbexAssignmentBook& book,
       HostProtocols& protocols, const Clock& clock, IbexRpcServerOptions options)
      : acceptor(ioc), recheck_timer(ioc), protocols(protocols),
        service(engine, store, batcher, book, protocols, clock), options(std::move(options)),
        limits(ConnectionLimitOptions{this->options.max_connections, this->options.max_unbound_per_source}),
        edge(this->options.edge ? this->options.edge : &own_edge) {}

  awaitable<void> accept_loop();
  awaitable<void> recheck_loop();
  // Closes every connection acting for `ident`.
  void close_ident(const std::string& ident);
  awaitable<void> serve(std::shared_ptr<beast::tcp_stream> stream, uint64_t id, std::string remote,
                        std::shared_ptr<ConnectionLimits::Ticket> ticket);
  bool allowed(const asio::ip::address& addr) const;

  struct Conn {
    std::weak_ptr<beast::tcp_stream> stream;
    std::string ident;  // empty until its first Report binds it
  };

  tcp::acceptor acceptor;
  asio::steady_timer recheck_timer;
  HostProtocols& protocols;
  IbexRpcService service;
  IbexRpcServerOptions options;
  ConnectionLimits limits;
  EdgeCounters own_edge;  // when options.edge is null
  EdgeCounters* edge;
  RefusalLog refused_log{"ibex-rpc"};
  tcp::endpoint bound;
  bool stopped = false;
  uint64_t next_conn = 0;
  std::map<uint64_t, Conn> conns;
};

void IbexRpcServer::Impl::close_ident(const std::string& ident) {
  beast::error_code ec;
  for (auto& [id, c] : conns) {
    if (c.ident != ident) continue;
    if (auto s = c.stream.lock()) {
      spdlog::warn("ibex-rpc {}: closing the Ibex connection of {}: a native agent serves it now",
                   unmapped_text(s->socket().remote_endpoint(ec)), ident);
      s->socket().close(ec);
    }
  }
}

awaitable<void> IbexRpcServer::Impl::recheck_loop() {
  auto self = shared_from_this();
  while (!stopped) {
    beast::error_code ec;
    recheck_timer.expires_after(options.native_recheck);
    co_await recheck_timer.async_wait(tok(ec));
    if (stopped) co_return;
    std::vector<std::string> idents;
    for (const auto& [id, c] : conns)
      if (!c.ident.empty()) idents.push_back(c.ident);
    if (idents.empty()) continue;
    std::sort(idents.begin(), idents.end());
    idents.erase(std::unique(idents.begin(), idents.end()), idents.end());
    auto native = protocols.now_native(idents);
    if (!native.ok()) {
      spdlog::debug("ibex-rpc: cannot check for hosts taken by native agents: {}", native.error().message);
      continue;
    }
    for (const auto& ident : *native) close_ident(ident);
  }
}

bool IbexRpcServer::Impl::allowed(const asio::ip::address& addr) const {
  if (options.allow.empty()) return true;
  for (const auto& net : options.allow)
    if (net.contains(addr)) return true;
  return false;
}

awaitable<void> IbexRpcServer::Impl::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    std::optional<AcceptedSocket> accepted = co_await accept_connection(acceptor, stopped, "ibex-rpc");
    if (!accepted) co_return;
    tcp::socket& socket = accepted->socket;
    const tcp::endpoint& peer = accepted->peer;
    beast::error_code ec;
    std::string remote = unmapped_text(peer);
    if (!allowed(peer.address())) {
      ++edge->refused_allow_list;
      refused_log.note(remote, "source not in --ibex-rpc-allow");
      socket.close(ec);
      continue;
    }
    auto ticket = std::make_shared<ConnectionLimits::Ticket>();
    auto refusal = limits.admit(peer.address(), *ticket, *edge);
    if (refusal != ConnectionLimits::Refusal::none) {
      refused_log.note(remote, refusal == ConnectionLimits::Refusal::total
                                   ? std::to_string(options.max_connections) + " connections open"
                                   : std::to_string(options.max_unbound_per_source) +
                                         " connections from this address not yet reporting as a host");
      socket.close(ec);
      continue;
    }
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    uint64_t id = ++next_conn;
    conns[id] = Conn{stream, ""};
    asio::co_spawn(acceptor.get_executor(), serve(stream, id, std::move(remote), std::move(ticket)),
                   [](std::exception_ptr e) { log_exception(e, "ibex-rpc connection"); });
  }
}

awaitable<void> IbexRpcServer::Impl::serve(std::shared_ptr<beast::tcp_stream> stream, uint64_t id,
                                           std::string remote, std::shared_ptr<ConnectionLimits::Ticket> ticket) {
  auto self = shared_from_this();
  IbexConnection conn{remote, ""};
  ibex_rpc::FrameSplitter splitter(std::min(options.max_frame_bytes, options.max_preauth_frame_bytes));
  std::vector<char> chunk(kReadChunk);
  bool open = true;
  while (open && !stopped) {
    beast::error_code ec;
    stream->expires_after(options.idle_timeout);
    size_t n = co_await stream->async_read_some(asio::buffer(chunk), tok(ec));
    if (ec) {
      if (ec == beast::error::timeout)
        spdlog::info("ibex-rpc {} ident={}: closing: silent for {} ms", remote, conn.ident,
                     options.idle_timeout.count());
      else if (ec != asio::error::eof && ec != asio::error::operation_aborted)
        spdlog::debug("ibex-rpc {} ident={}: read failed: {}", remote, conn.ident, ec.message());
      break;
    }
    splitter.append(std::string_view(chunk.data(), n));
    while (open) {
      auto frame = splitter.next();
      if (!frame.ok()) {
        if (conn.ident.empty() && frame.error().code == ErrorCode::too_large) ++edge->oversize_preauth;
        spdlog::warn("ibex-rpc {} ident={}: closing: {}{}", remote, conn.ident, frame.error().message,
                     conn.ident.empty() ? " (before its first Report)" : "");
        open = false;
        break;
      }
      if (!frame->has_value()) break;
      const std::string_view request = **frame;
      IbexReplyPlan plan = co_await service.handle(conn, request);
      if (auto c = conns.find(id); c != conns.end()) c->second.ident = conn.ident;
      if (!conn.ident.empty() && !ticket->is_authenticated()) {
        // Bound to a host it may act for: results with their output may follow.
        ticket->authenticated();
        splitter.set_max_frame_bytes(options.max_frame_bytes);
      }
      if (!plan.frame.empty()) {
        stream->expires_after(options.write_timeout);
        co_await asio::async_write(*stream, asio::buffer(plan.frame), tok(ec));
        if (ec) {
          spdlog::info("ibex-rpc {} ident={}: closing: write failed: {}", remote, conn.ident,
                       ec.message());
          open = false;
          break;
        }
        service.after_reply_sent(conn, plan);
      }
      if (plan.close) open = false;
    }
  }
  beast::error_code ignored;
  stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream->close();
  conns.erase(id);
  service.closed(conn);
}

Result<std::unique_ptr<IbexRpcServer>> IbexRpcServer::start(asio::io_context& ioc, Engine& engine,
                                                            Store& store, ReportBatcher& batcher,
                                                            IbexAssignmentBook& book,
                                                            HostProtocols& protocols, const Clock& clock,
                                                            IbexRpcServerOptions options) {
  auto impl = std::make_shared<Impl>(ioc, engine, store, batcher, book, protocols, clock, std::move(options));
  const auto& o = impl->options;
  MEND_ASSIGN_OR_RETURN(impl->bound,
                        listen_tcp(ioc, impl->acceptor, o.host, o.port, {"--ibex-rpc host", "ibex-rpc: "}));
  asio::co_spawn(ioc, impl->accept_loop(),
                 [](std::exception_ptr e) { log_exception(e, "ibex-rpc listener"); });
  asio::co_spawn(ioc, impl->recheck_loop(),
                 [](std::exception_ptr e) { log_exception(e, "ibex-rpc native host check"); });
  protocols.on_native([weak = std::weak_ptr<Impl>(impl)](const std::string& ident) {
    if (auto i = weak.lock()) i->close_ident(ident);
  });
  return std::unique_ptr<IbexRpcServer>(new IbexRpcServer(std::move(impl)));
}

IbexRpcServer::~IbexRpcServer() { stop(); }

std::string IbexRpcServer::bound_address() const { return unmapped_text(impl_->bound); }

uint16_t IbexRpcServer::port() const { return impl_->bound.port(); }

void IbexRpcServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->protocols.on_native(nullptr);
  impl_->recheck_timer.cancel();
  beast::error_code ec;
  impl_->acceptor.close(ec);
  auto conns = impl_->conns;  // each serve() erases itself as it ends
  for (auto& [id, c] : conns)
    if (auto s = c.stream.lock()) s->socket().close(ec);
}

std::vector<AgentInfo> IbexRpcServer::list() const { return impl_->service.list(); }

size_t IbexRpcServer::connection_count() const { return impl_->conns.size(); }

}  // namespace mend
