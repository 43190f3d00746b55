#include "agent/https_request.hpp"

#include "tls/tls_context.hpp"

namespace mend::agent {

Result<HttpsAnswer> https_request(const ServerUrl& server, ssl::context& ctx, bool verify_host,
                                  const std::string& method, const std::string& path, const std::string& body,
                                  std::chrono::milliseconds timeout) {
  const std::string where = server.host + ":" + server.port;
  asio::io_context io;
  beast::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(server.host, server.port, ec);
  if (ec) return make_error(ErrorCode::unavailable, where + ": resolve: " + ec.message());
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  beast::get_lowest_layer(stream).expires_after(timeout);
  auto fail = [&](const char* what, const beast::error_code& e) {
    return make_error(ErrorCode::unavailable, where + ": " + what + ": " + e.message());
  };
  // The sync calls of a tcp_stream ignore its timer, so the exchange runs
  // asynchronously on a private io_context and `run_for` bounds it.
  HttpsAnswer answer;
  std::string failure;
  http::request<http::string_body> req{http::string_to_verb(method), path, 11};
  req.set(http::field::host, where);
  req.set(http::field::user_agent, "mend-agent/" MEND_VERSION);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  beast::error_code parse_ec;
  asio::ip::make_address(server.host, parse_ec);
  if (parse_ec) SSL_set_tlsext_host_name(stream.native_handle(), server.host.c_str());
  if (verify_host) stream.set_verify_callback(ssl::host_name_verification(server.host));
  else stream.set_verify_mode(ssl::verify_none);

  beast::get_lowest_layer(stream).async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
    if (e) return void(failure = fail("connect", e).message);
    stream.async_handshake(ssl::stream_base::client, [&](beast::error_code e2) {
      if (e2) {
        failure = where + ": TLS handshake failed: " + tls::describe_handshake_error(e2, stream.native_handle());
        return;
      }
      http::async_write(stream, req, [&](beast::error_code e3, size_t) {
        if (e3) return void(failure = fail("write", e3).message);
        http::async_read(stream, buffer, parser, [&](beast::error_code e4, size_t) {
          if (e4) return void(failure = fail("read", e4).message);
          answer.status = static_cast<int>(parser.get().result_int());
          answer.body = parser.get().body();
        });
      });
    });
  });
  io.run_for(timeout + std::chrono::seconds(1));
  if (!failure.empty()) return make_error(ErrorCode::unavailable, failure);
  if (answer.status == 0) return make_error(ErrorCode::unavailable, where + ": no answer in time");
  return answer;
}

}  // namespace mend::agent
