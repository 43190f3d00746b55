#pragma once
// What the other end of a TLS connection proved with its certificate. The
// server asks clients for one and OpenSSL verifies it against Mend's CA
// during the handshake (a bad one fails the handshake), so a present
// certificate here is a verified one.
#include <cstdint>
#include <string>

struct ssl_st;  // OpenSSL's SSL

namespace mend::tls {

struct PeerCertificate {
  bool present = false;
  std::string common_name;  // an agent's ident
  std::string serial;       // lowercase hex, as stored in agent_certs
  int64_t not_before_ms = 0;
  int64_t not_after_ms = 0;
};

// The verified peer certificate of a finished handshake on `ssl`; not present
// when the peer sent none or it did not verify.
PeerCertificate peer_certificate(ssl_st* ssl);

// How an agent proved who it is, for listings: enrolled; expiring (past two
// thirds of its certificate's life: its renewal is overdue); revoked;
// legacy_token (no certificate: the shared --agent-token).
std::string identity_state(const PeerCertificate& peer, bool revoked, int64_t now_ms);

}  // namespace mend::tls
