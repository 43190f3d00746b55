#pragma once
// Trust records (src/tls keeps them here so every server on one PostgreSQL
// shares them): Mend's CA, the join tokens agents enroll with, and the
// certificates issued to agents.
#include <cstdint>
#include <string>

namespace mend {

// The CA's certificate and private key (PEM). One row; whoever reads the
// database can sign certificates, so protect it like the CA key it is.
struct StoredCa {
  std::string cert_pem;
  std::string key_pem;
  std::string fingerprint;  // SHA-256 of the certificate, hex
  int64_t created_ms = 0;
};

// A join token. Only a hash of its secret is kept.
struct JoinToken {
  std::string id;            // public part, names the token in lists and logs
  std::string secret_hash;   // SHA-256 of the secret, hex
  std::string host_pattern;  // a host name, or a glob (`web-*`) for a reusable token
  int64_t max_uses = 1;      // hosts that may enroll with it
  int64_t uses = 0;
  int64_t expires_ms = 0;
  int64_t created_ms = 0;
  std::string created_by;
};

// A certificate Mend's CA issued to an agent.
struct AgentCert {
  std::string serial;  // hex, as in the certificate
  std::string host;    // its common name: the agent's ident
  std::string fingerprint;
  int64_t not_before_ms = 0;
  int64_t not_after_ms = 0;
  int64_t issued_ms = 0;
  int64_t revoked_ms = 0;  // 0: not revoked
  std::string token_id;    // the join token it was enrolled with; empty for a renewal
};

}  // namespace mend
