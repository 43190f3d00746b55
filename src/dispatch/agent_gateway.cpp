#include "dispatch/agent_gateway.hpp"

#include "dispatch/agent_session.hpp"
#include "proto/agent_messages.hpp"

namespace mend {

AgentGateway::AgentGateway(asio::any_io_executor ex, AgentHub& hub, Engine& engine, AgentGatewayOptions options)
    : state_(ex), hub_(hub), engine_(engine), options_(std::move(options)),
      edge_(options_.edge ? options_.edge : &own_edge_), batcher_(ex, engine, options_.batching) {}

bool AgentGateway::is_agent_upgrade(const http::request_parser<http::string_body>& parser) {
  const auto& header = parser.get();
  std::string_view target = header.target();
  return websocket::is_upgrade(header) && target.substr(0, target.find('?')) == proto::kAgentPath;
}

awaitable<void> AgentGateway::serve(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                    http::request_parser<http::string_body>& parser, const AgentUpgrade& conn) {
  co_await serve_any(stream, buffer, parser, conn);
}

awaitable<void> AgentGateway::serve(beast::ssl_stream<beast::tcp_stream>& stream, beast::flat_buffer& buffer,
                                    http::request_parser<http::string_body>& parser, const AgentUpgrade& conn) {
  co_await serve_any(stream, buffer, parser, conn);
}

template <class Stream>
awaitable<void> AgentGateway::serve_any(Stream& stream, beast::flat_buffer& buffer,
                                        http::request_parser<http::string_body>& parser,
                                        const AgentUpgrade& conn) {
  beast::error_code ec;
  // An upgrade has no body; one announced is refused unread.
  parser.body_limit(0);
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    if (ec == http::error::body_limit) ++edge_->oversize_preauth;
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ec);
    co_return;
  }
  beast::get_lowest_layer(stream).expires_never();
  AgentSessionOptions session;
  session.agent_token = options_.agent_token;
  session.batcher = &batcher_;
  session.live = options_.live;
  session.state = state_;
  session.ticket = conn.ticket;
  session.edge = edge_;
  session.peer = conn.peer;
  session.certificate_refusal = options_.certificate_refusal;
  // Over TLS, the shared token is a legacy the operator turns on.
  session.require_certificate = conn.tls && options_.agent_token.empty();
  http::request<http::string_body> upgrade = parser.release();
  co_await serve_agent_session(stream, upgrade, hub_, engine_, session);
}

}  // namespace mend
