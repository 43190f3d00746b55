#pragma once
// The server's TLS context, replaceable while running: an operator's
// certificate and key files are read again on reload() (SIGHUP), and new
// connections use the new context while open ones keep theirs, so agents are
// not dropped by a certificate rotation.
//
// Threading: reload() on the state thread, context() on the network thread
// (new connections); a mutex guards the swap.
#include <memory>
#include <mutex>
#include <string>

#include "common/result.hpp"
#include "tls/tls_context.hpp"

namespace mend::tls {

class ServerTls {
 public:
  // An operator's PEM files (the certificate file may hold the chain).
  // `client_ca_pem` verifies agents' certificates (Mend's CA). Errors:
  // not_found, invalid_input, with the path in the message.
  static Result<std::shared_ptr<ServerTls>> from_files(std::string cert_path, std::string key_path,
                                                       std::string client_ca_pem);
  // A certificate made at start (by Mend's CA); reload() keeps it.
  static Result<std::shared_ptr<ServerTls>> from_material(ServerTlsMaterial material);

  std::shared_ptr<ssl::context> context() const {
    std::lock_guard lock(mutex_);
    return context_;
  }
  // Reads the files again. A bad file is refused (error) and the current
  // context stays. No-op for a certificate made at start.
  Result<void> reload();
  // "certificate FILE" or "Mend's CA (made at start)", for logs.
  const std::string& description() const { return description_; }

 private:
  ServerTls() = default;
  std::string cert_path_;
  std::string key_path_;
  std::string client_ca_pem_;
  std::string description_;
  mutable std::mutex mutex_;
  std::shared_ptr<ssl::context> context_;
};

}  // namespace mend::tls
