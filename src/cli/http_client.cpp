#include "cli/http_client.hpp"

#include <exception>
#include <optional>

#include "common/asio.hpp"
#include "common/exception_message.hpp"
#include "tls/asio_ssl.hpp"
#include "tls/tls_context.hpp"

namespace mend::cli {

namespace {

http::verb to_verb(Method m) {
  switch (m) {
    case Method::get:
      return http::verb::get;
    case Method::post:
      return http::verb::post;
    case Method::put:
      return http::verb::put;
    case Method::del:
      return http::verb::delete_;
  }
  return http::verb::get;
}

struct Exchange {
  const ServerUrl& server;
  const HttpClientOptions& options;
  http::request<http::string_body> request;
  std::optional<Result<HttpResponse>> result;

  Error unreachable(const beast::error_code& ec) const {
    if (ec == beast::error::timeout) {
      return make_error(ErrorCode::unavailable,
                        "cannot reach server at " + server.text + ": no answer within " +
                            std::to_string(options.timeout.count()) + " ms");
    }
    return make_error(ErrorCode::unavailable,
                      "cannot reach server at " + server.text + ": " + ec.message());
  }

  Error too_large() const {
    return make_error(ErrorCode::too_large, "response from " + server.text + " is larger than " +
                                                std::to_string(options.body_limit) + " bytes");
  }

  awaitable<void> run() {
    auto executor = co_await asio::this_coro::executor;
    beast::error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    const auto deadline = std::chrono::steady_clock::now() + options.timeout;

    // The resolver has no deadline of its own; a numeric host resolves at once.
    tcp::resolver resolver(executor);
    auto endpoints = co_await resolver.async_resolve(server.host, server.port, token);
    if (ec) {
      result = unreachable(ec);
      co_return;
    }
    beast::tcp_stream stream(executor);
    stream.expires_at(deadline);
    co_await stream.async_connect(endpoints, token);
    if (ec) {
      result = unreachable(ec);
      co_return;
    }
    if (!server.tls) {
      co_await exchange(stream, deadline);
      if (result && result->ok()) stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      co_return;
    }
    auto ctx = tls::make_client_context(tls::ClientTlsMaterial{options.ca_pem, {}, {}});
    if (!ctx.ok()) {
      result = ctx.error();
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> tls_stream(std::move(stream), **ctx);
    beast::error_code parse_ec;
    asio::ip::make_address(server.host, parse_ec);
    if (parse_ec) SSL_set_tlsext_host_name(tls_stream.native_handle(), server.host.c_str());
    tls_stream.set_verify_callback(ssl::host_name_verification(server.host));
    beast::get_lowest_layer(tls_stream).expires_at(deadline);
    co_await tls_stream.async_handshake(ssl::stream_base::client, token);
    if (ec) {
      result = make_error(ErrorCode::unavailable,
                          "TLS with " + server.text + " failed: " +
                              tls::describe_handshake_error(ec, tls_stream.native_handle()) +
                              (options.ca_pem.empty() ? " (give Mend's CA with --cacert or MEND_CACERT)" : ""));
      co_return;
    }
    co_await exchange(tls_stream, deadline);
  }

  template <class Stream>
  awaitable<void> exchange(Stream& stream, std::chrono::steady_clock::time_point deadline) {
    beast::error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    beast::get_lowest_layer(stream).expires_at(deadline);
    co_await http::async_write(stream, request, token);
    if (ec) {
      result = unreachable(ec);
      co_return;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.body_limit);
    beast::get_lowest_layer(stream).expires_at(deadline);
    // Header first: Boost 1.74's parser can drop its body_limit error when a
    // whole Content-Length message arrives in one read, so the declared
    // length is checked here and the body size again after reading.
    co_await http::async_read_header(stream, buffer, parser, token);
    if (ec == http::error::body_limit ||
        (!ec && parser.content_length().value_or(0) > options.body_limit)) {
      result = too_large();
      co_return;
    }
    if (!ec) co_await http::async_read(stream, buffer, parser, token);
    if (ec == http::error::body_limit || (!ec && parser.get().body().size() > options.body_limit)) {
      result = too_large();
      co_return;
    }
    if (ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::connection_refused || ec == http::error::end_of_stream) {
      result = unreachable(ec);
      co_return;
    }
    if (ec) {
      result = make_error(ErrorCode::internal,
                          "bad HTTP response from " + server.text + ": " + ec.message());
      co_return;
    }
    auto& msg = parser.get();
    HttpResponse response;
    response.status = static_cast<int>(msg.result_int());
    response.content_type = std::string(msg[http::field::content_type]);
    response.body = std::move(msg.body());
    result = std::move(response);
  }
};

}  // namespace

HttpClient::HttpClient(ServerUrl server, HttpClientOptions options)
    : server_(std::move(server)), options_(std::move(options)) {}

Result<HttpResponse> HttpClient::send(Method method, std::string_view path,
                                      std::string body) const {
  Exchange exchange{server_, options_, {}, std::nullopt};
  auto& req = exchange.request;
  req.method(to_verb(method));
  req.target(server_.base_path + std::string(path));
  req.version(11);
  req.set(http::field::host, host_header(server_));
  req.set(http::field::user_agent, std::string("mendctl/") + MEND_VERSION);
  req.set(http::field::accept, "application/json");
  req.keep_alive(false);
  if (!options_.authorization.empty()) req.set(http::field::authorization, options_.authorization);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
  }
  req.prepare_payload();

  asio::io_context io;
  std::exception_ptr failure;
  asio::co_spawn(io, exchange.run(), [&failure](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure || !exchange.result) {
    std::string why = failure ? exception_message(failure) : "unknown failure";
    return make_error(ErrorCode::internal, "request to " + server_.text + " failed: " + why);
  }
  return std::move(*exchange.result);
}

}  // namespace mend::cli
