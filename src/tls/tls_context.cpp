#include "tls/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <sstream>

#include "tls/openssl_handles.hpp"

namespace mend::tls {

namespace {

void common_settings(ssl::context& ctx) {
  SSL_CTX* native = ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_compression);
}

// Adds every certificate in `pem` to the context's trust store.
Result<void> trust(ssl::context& ctx, const std::string& pem, const char* what) {
  boost::system::error_code ec;
  ctx.add_certificate_authority(asio::buffer(pem), ec);
  if (ec) return make_error(ErrorCode::invalid_input, std::string(what) + ": " + ec.message());
  return ok();
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_server_context(const ServerTlsMaterial& m) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  common_settings(*ctx);
  boost::system::error_code ec;
  ctx->use_certificate_chain(asio::buffer(m.cert_chain_pem), ec);
  if (ec) return make_error(ErrorCode::invalid_input, "server certificate: " + ec.message());
  ctx->use_private_key(asio::buffer(m.key_pem), ssl::context::pem, ec);
  if (ec) return make_error(ErrorCode::invalid_input, "server key: " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    return openssl_error(ErrorCode::invalid_input, "the server key does not match its certificate");
  if (!m.client_ca_pem.empty()) {
    MEND_TRY(trust(*ctx, m.client_ca_pem, "client CA"));
    // Asked for, not required: mendctl, browsers and webhooks connect without
    // one; the agent endpoint refuses an agent without a verified certificate.
    ctx->set_verify_mode(ssl::verify_peer);
    // The CA's name in the CertificateRequest, so clients pick the right certificate.
    auto ca = cert_from_pem(m.client_ca_pem);
    if (ca.ok()) SSL_CTX_add_client_CA(ctx->native_handle(), ca->get());
    // Resumed sessions skip client-certificate verification; keep them apart
    // per context so a reloaded CA never honours an old session.
    static const unsigned char sid_ctx[] = "mend";
    SSL_CTX_set_session_id_context(ctx->native_handle(), sid_ctx, sizeof sid_ctx - 1);
  }
  return ctx;
}

Result<std::shared_ptr<ssl::context>> make_client_context(const ClientTlsMaterial& m) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  common_settings(*ctx);
  if (m.ca_pem.empty()) {
    boost::system::error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec) return make_error(ErrorCode::unavailable, "system CA certificates: " + ec.message());
  } else {
    MEND_TRY(trust(*ctx, m.ca_pem, "CA certificate"));
  }
  ctx->set_verify_mode(ssl::verify_peer);
  if (!m.cert_pem.empty()) {
    boost::system::error_code ec;
    ctx->use_certificate_chain(asio::buffer(m.cert_pem), ec);
    if (ec) return make_error(ErrorCode::invalid_input, "client certificate: " + ec.message());
    ctx->use_private_key(asio::buffer(m.key_pem), ssl::context::pem, ec);
    if (ec) return make_error(ErrorCode::invalid_input, "client key: " + ec.message());
  }
  return ctx;
}

Result<std::string> read_pem_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::not_found, "cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  if (!in && !in.eof()) return make_error(ErrorCode::unavailable, "cannot read " + path);
  return out.str();
}

std::string describe_handshake_error(const boost::system::error_code& ec, SSL* ssl) {
  std::string text = ec.message();
  // Asio's message is OpenSSL's reason ("certificate verify failed"); the
  // verify result says why a certificate was refused, which is what an
  // operator needs ("certificate has expired", "unable to get local issuer
  // certificate" for another CA's).
  const long verify = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
  if (verify != X509_V_OK) text += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
  return text;
}

}  // namespace mend::tls
