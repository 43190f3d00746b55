#pragma once
// Which agents the servers trust: join tokens, enrolling an agent (its
// certificate request signed by Mend's CA for the host name the token
// allows), renewing, revoking, and the revocations every server must honour.
//
// Threading: the io_context thread. Errors are values; every refusal says why
// without repeating a secret.
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "store/trust_store.hpp"
#include "tls/certificate_authority.hpp"
#include "tls/peer_certificate.hpp"

namespace mend::tls {

struct JoinTokenRequest {
  std::string host;     // one host, single use; or
  std::string pattern;  // a glob (`web-*`) for up to max_hosts hosts
  int64_t max_hosts = 1;
  std::chrono::seconds ttl{3600};
  std::string created_by;
};

struct CreatedJoinToken {
  std::string token;  // shown once: only its hash is kept
  JoinToken record;
};

struct AgentTrustOptions {
  std::chrono::seconds cert_lifetime{30 * 24 * 3600};
  std::chrono::seconds max_token_ttl{30 * 24 * 3600};
  int64_t max_token_hosts = 100000;
};

class AgentTrust {
 public:
  AgentTrust(TrustStore& store, CertificateAuthority ca, const Clock& clock, AgentTrustOptions options = {});

  const CertificateAuthority& ca() const { return ca_; }

  // Errors: invalid_input (neither or both of host and pattern, bad numbers).
  Result<CreatedJoinToken> create_join_token(const JoinTokenRequest& request);
  Result<std::vector<JoinToken>> join_tokens() { return store_.list_join_tokens(); }
  // Ends a join token now (a leaked one, or one no longer needed): no host
  // enrolls with it after this; hosts that did keep their certificates.
  // Errors: not_found.
  Result<void> revoke_join_token(std::string_view id);

  // Trades a join token and a certificate request for a certificate naming
  // `host`. Errors: unauthorized (unknown, wrong, expired or used-up token, a
  // host the token is not for, a host already enrolled with it),
  // invalid_input (malformed or oversized request), unavailable.
  Result<IssuedCertificate> enroll(std::string_view token, std::string_view host, std::string_view request_pem);
  // A new certificate for the agent that proved `peer` (mutual TLS).
  // Errors: unauthorized (no certificate, revoked), invalid_input.
  Result<IssuedCertificate> renew(const PeerCertificate& peer, std::string_view request_pem);
  // Revokes every certificate of `host`; returns how many. Its connections
  // are closed by whoever polls revocations (every server).
  Result<int64_t> revoke(std::string_view host);

  // Why a connecting agent's certificate is refused; "" when it is not.
  std::string refusal(const PeerCertificate& peer) const;
  bool revoked(std::string_view serial) const { return revoked_serials_.count(std::string(serial)) > 0; }
  // Reads revocations committed since the last call (by any server sharing
  // the database); returns the hosts with a newly revoked certificate.
  Result<std::vector<std::string>> poll_revocations();

 private:
  Result<IssuedCertificate> sign(std::string_view host, std::string_view request_pem);

  TrustStore& store_;
  CertificateAuthority ca_;
  const Clock& clock_;
  AgentTrustOptions options_;
  std::unordered_set<std::string> revoked_serials_;
  int64_t polled_until_ms_ = 0;
};

}  // namespace mend::tls
