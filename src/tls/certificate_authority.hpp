#pragma once
// Mend's own certificate authority: makes the CA (an EC P-256 key and a
// self-signed certificate), and signs server and agent certificates with it.
// Pure crypto: where the CA is kept (the store, shared by servers on one
// PostgreSQL) is tls/ca_store's business.
//
// Threading: const methods may be called from any thread. Errors are values.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace mend::tls {

// A CA's certificate and private key, PEM. The key is a secret: it is stored
// in the database and never logged.
struct CaMaterial {
  std::string cert_pem;
  std::string key_pem;
};

enum class CertUse { server, client };

// What a certificate says. Agents get CN = host name, client use only.
struct CertProfile {
  std::string common_name;
  std::vector<std::string> dns_names;     // server certificates: subjectAltName
  std::vector<std::string> ip_addresses;  // server certificates: subjectAltName
  CertUse use = CertUse::client;
  std::chrono::seconds lifetime{30 * 24 * 3600};
};

struct IssuedCertificate {
  std::string cert_pem;
  std::string serial;       // lowercase hex
  std::string fingerprint;  // SHA-256 of the DER, lowercase hex
  std::string common_name;
  int64_t not_before_ms = 0;
  int64_t not_after_ms = 0;
};

// A certificate with its new private key (server certificates made at start).
struct KeyAndCertificate {
  std::string key_pem;
  IssuedCertificate cert;
};

// Largest certificate request accepted; a P-256 or RSA-4096 request is well under it.
inline constexpr size_t kMaxRequestPemBytes = 8 * 1024;

class CertificateAuthority {
 public:
  // A new CA valid for `lifetime` from `now_ms`. Errors: internal.
  static Result<CaMaterial> generate(std::string_view name, int64_t now_ms,
                                     std::chrono::seconds lifetime = std::chrono::hours(24 * 365 * 10));
  // Errors: invalid_input (not PEM, key does not match, not a CA certificate).
  static Result<CertificateAuthority> load(const CaMaterial& material);

  const std::string& cert_pem() const;
  // SHA-256 of the CA certificate, lowercase hex: what a join token carries.
  const std::string& fingerprint() const;

  // Signs a certificate request for `profile` (its CN and names replace the
  // request's). Errors: invalid_input for an oversized, malformed or badly
  // signed request, or a weak key (EC below 256 bits, RSA below 2048).
  Result<IssuedCertificate> sign_request(std::string_view request_pem, const CertProfile& profile,
                                         int64_t now_ms) const;
  // A new key pair and its certificate (server certificates).
  Result<KeyAndCertificate> issue_with_new_key(const CertProfile& profile, int64_t now_ms) const;

  struct State;

 private:
  explicit CertificateAuthority(std::shared_ptr<const State> s) : s_(std::move(s)) {}
  std::shared_ptr<const State> s_;
};

// A new P-256 private key, PEM, and a certificate request for `common_name`
// signed with it (the agent's side of enrollment). Errors: internal, invalid_input
// for a key that is not PEM.
Result<std::string> generate_private_key_pem();
Result<std::string> make_certificate_request(std::string_view key_pem, std::string_view common_name);

// What a certificate PEM says (for agents reading their own, and the API).
struct CertificateInfo {
  std::string common_name;
  std::string serial;
  std::string fingerprint;
  int64_t not_before_ms = 0;
  int64_t not_after_ms = 0;
};
Result<CertificateInfo> read_certificate(std::string_view cert_pem);

}  // namespace mend::tls
