#pragma once
// The agent's own certificate, in <spool>/tls/: key.pem (mode 0600, made
// here and never sent anywhere), cert.pem (signed by Mend's CA, naming this
// host) and ca.pem (Mend's CA, pinned by the join token's fingerprint).
//
// Enrollment trades a join token for the certificate; renewal, over mutual
// TLS with the current certificate, replaces key and certificate once two
// thirds of its life have passed. Files are replaced by rename, so a crash
// leaves the old pair or the new one.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "tls/asio_ssl.hpp"
#include "tls/certificate_authority.hpp"

namespace mend::agent {

class AgentIdentity {
 public:
  // `extra_ca_pem`: more CAs to trust for the servers' certificates (an
  // operator's --cacert), beside Mend's.
  AgentIdentity(std::string dir, std::string extra_ca_pem);

  bool enrolled() const;
  // The certificate's details. Errors: not_found before enrollment.
  Result<tls::CertificateInfo> certificate() const;
  // Fetches Mend's CA from the first server that answers, checks it against
  // the token's fingerprint, makes the key and trades the token and a
  // request for `host`'s certificate. Errors: unauthorized (the server
  // refused the token: its reason), invalid_input (a bad token, a CA that does
  // not match it), unavailable (no server answered).
  Result<tls::CertificateInfo> enroll(const std::vector<std::string>& servers, const std::string& join_token,
                                      const std::string& host);
  // Whether two thirds of the certificate's life have passed.
  bool due_for_renewal(int64_t now_ms) const;
  // A new key and certificate from the first server that answers.
  Result<tls::CertificateInfo> renew(const std::vector<std::string>& servers);
  // A client context with the certificate (when enrolled) and the trusted
  // CAs; read from the files at each call, so a renewal applies to the next
  // connection. Errors: invalid_input (unreadable files).
  Result<std::shared_ptr<ssl::context>> client_context() const;

 private:
  std::string path(const char* name) const { return dir_ + "/" + name; }
  std::string trusted_cas() const;
  Result<tls::CertificateInfo> request_certificate(const std::vector<std::string>& servers, const std::string& path,
                                                   const std::string& token, const std::string& host,
                                                   bool with_current_certificate);

  std::string dir_;
  std::string extra_ca_pem_;
};

}  // namespace mend::agent
