#include "tls/peer_certificate.hpp"

#include <openssl/ssl.h>

#include "tls/certificate_authority.hpp"
#include "tls/openssl_handles.hpp"

namespace mend::tls {

PeerCertificate peer_certificate(ssl_st* ssl) {
  PeerCertificate out;
  if (!ssl || SSL_get_verify_result(ssl) != X509_V_OK) return out;
  X509Ptr cert(SSL_get1_peer_certificate(ssl));
  if (!cert) return out;
  auto info = read_certificate(cert_to_pem(cert.get()));
  if (!info.ok()) return out;
  out.present = true;
  out.common_name = info->common_name;
  out.serial = info->serial;
  out.not_before_ms = info->not_before_ms;
  out.not_after_ms = info->not_after_ms;
  return out;
}

std::string identity_state(const PeerCertificate& peer, bool revoked, int64_t now_ms) {
  if (!peer.present) return "legacy_token";
  if (revoked) return "revoked";
  const int64_t renew_at = peer.not_before_ms + (peer.not_after_ms - peer.not_before_ms) * 2 / 3;
  return now_ms >= renew_at ? "expiring" : "enrolled";
}

}  // namespace mend::tls
