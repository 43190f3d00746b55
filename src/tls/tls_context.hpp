#pragma once
// The TLS settings every Mend program uses, in one place: TLS 1.2 or newer,
// OpenSSL's default ciphers, idle connections' buffers released (20,000 idle
// agents would otherwise hold 20,000 pairs of 16 KiB buffers).
//
// Contexts are shared: a connection keeps the context it started with, so a
// reloaded server certificate (SIGHUP) applies to new connections only.
#include <memory>
#include <string>

#include "common/result.hpp"
#include "tls/asio_ssl.hpp"

namespace mend::tls {

struct ServerTlsMaterial {
  std::string cert_chain_pem;  // the server certificate, then intermediates
  std::string key_pem;
  // Client certificates (agents') are verified against this CA when
  // presented; empty: client certificates are not asked for.
  std::string client_ca_pem;
};

// Errors: invalid_input (bad PEM, key does not match the certificate).
Result<std::shared_ptr<ssl::context>> make_server_context(const ServerTlsMaterial& material);

struct ClientTlsMaterial {
  // The CA to verify the server against; empty: the system's trusted CAs.
  std::string ca_pem;
  // This client's certificate and key (agents after enrollment); empty: none.
  std::string cert_pem;
  std::string key_pem;
};

// Errors: invalid_input (bad PEM), unavailable (system CA store unreadable).
Result<std::shared_ptr<ssl::context>> make_client_context(const ClientTlsMaterial& material);

// Reads a whole small file (certificates, keys). Errors: not_found, unavailable.
Result<std::string> read_pem_file(const std::string& path);

// OpenSSL's explanation of a failed handshake on `ssl`, for logs:
// "certificate verify failed (certificate has expired)" and the like.
std::string describe_handshake_error(const boost::system::error_code& ec, SSL* ssl);

}  // namespace mend::tls
