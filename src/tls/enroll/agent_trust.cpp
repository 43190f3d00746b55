#include "tls/enroll/agent_trust.hpp"

#include <fnmatch.h>

#include <cctype>

#include "common/log.hpp"
#include "common/same_secret.hpp"
#include "tls/join_token.hpp"
#include "tls/secrets.hpp"

namespace mend::tls {

namespace {

// Servers' clocks differ a little; a revocation stamped by another server
// up to this far in our past is still found by the next poll.
constexpr int64_t kPollOverlapMs = 30'000;

// A certificate's name: what hosts are called, and what X.509 allows (64).
bool valid_cert_host(std::string_view host) {
  if (host.empty() || host.size() > 64) return false;
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) return false;
  return true;
}

Error refused(std::string why) { return make_error(ErrorCode::unauthorized, std::move(why)); }

}  // namespace

AgentTrust::AgentTrust(TrustStore& store, CertificateAuthority ca, const Clock& clock, AgentTrustOptions options)
    : store_(store), ca_(std::move(ca)), clock_(clock), options_(options) {}

Result<CreatedJoinToken> AgentTrust::create_join_token(const JoinTokenRequest& r) {
  if (r.host.empty() == r.pattern.empty())
    return make_error(ErrorCode::invalid_input, "give either host (one host, once) or pattern (with max_hosts)");
  if (!r.host.empty() && !valid_cert_host(r.host))
    return make_error(ErrorCode::invalid_input, "host must be 1-64 letters, digits, '.', '-' or '_'");
  if (!r.pattern.empty() && (r.pattern.size() > 128 || r.pattern.find_first_of(" /\\") != std::string::npos))
    return make_error(ErrorCode::invalid_input, "pattern must be a glob of at most 128 bytes without spaces");
  if (r.max_hosts < 1 || r.max_hosts > options_.max_token_hosts || (!r.host.empty() && r.max_hosts != 1))
    return make_error(ErrorCode::invalid_input, "max_hosts must be 1 for one host, 1-" +
                                                    std::to_string(options_.max_token_hosts) + " for a pattern");
  if (r.ttl.count() < 1 || r.ttl > options_.max_token_ttl)
    return make_error(ErrorCode::invalid_input,
                      "ttl must be 1 s to " + std::to_string(options_.max_token_ttl.count()) + " s");
  const int64_t now = clock_.now_ms();
  JoinTokenParts parts{random_hex(8), random_hex(24), ca_.fingerprint()};
  JoinToken t;
  t.id = parts.id;
  t.secret_hash = sha256_hex(parts.secret);
  t.host_pattern = r.host.empty() ? r.pattern : r.host;
  t.max_uses = r.max_hosts;
  t.expires_ms = now + r.ttl.count() * 1000;
  t.created_ms = now;
  t.created_by = r.created_by;
  MEND_TRY(store_.insert_join_token(t));
  spdlog::info("join token {} created for {} (up to {} host{}, expires in {} s)", t.id, t.host_pattern, t.max_uses,
               t.max_uses == 1 ? "" : "s", r.ttl.count());
  return CreatedJoinToken{format_join_token(parts), t};
}

Result<IssuedCertificate> AgentTrust::sign(std::string_view host, std::string_view request_pem) {
  CertProfile p;
  p.common_name = std::string(host);
  p.use = CertUse::client;
  p.lifetime = options_.cert_lifetime;
  return ca_.sign_request(request_pem, p, clock_.now_ms());
}

Result<IssuedCertificate> AgentTrust::enroll(std::string_view token, std::string_view host,
                                             std::string_view request_pem) {
  MEND_ASSIGN_OR_RETURN(JoinTokenParts parts, parse_join_token(token));
  if (parts.ca_fingerprint != ca_.fingerprint())
    return refused("the join token is for another CA (fingerprint " + parts.ca_fingerprint.substr(0, 16) + "...)");
  if (!valid_cert_host(host)) return make_error(ErrorCode::invalid_input, "bad host name for a certificate");
  MEND_ASSIGN_OR_RETURN(std::optional<JoinToken> t, store_.find_join_token(parts.id));
  if (!t || !same_secret(sha256_hex(parts.secret), t->secret_hash)) return refused("unknown join token");
  const int64_t now = clock_.now_ms();
  if (now >= t->expires_ms) return refused("join token " + t->id + " expired");
  if (t->uses >= t->max_uses) return refused("join token " + t->id + " is used up");
  const std::string h(host);
  if (fnmatch(t->host_pattern.c_str(), h.c_str(), 0) != 0)
    return refused("join token " + t->id + " is not for host " + h);
  MEND_ASSIGN_OR_RETURN(IssuedCertificate cert, sign(host, request_pem));
  AgentCert record{cert.serial, h, cert.fingerprint, cert.not_before_ms, cert.not_after_ms, now, 0, t->id};
  if (auto r = store_.enroll(t->id, record, now); !r.ok()) {
    if (r.error().code == ErrorCode::conflict) return refused("join token " + t->id + ": " + r.error().message);
    return r.error();
  }
  spdlog::info("agent {} enrolled with join token {}: certificate {} until {}", h, t->id, cert.serial,
               cert.not_after_ms);
  return cert;
}

Result<IssuedCertificate> AgentTrust::renew(const PeerCertificate& peer, std::string_view request_pem) {
  if (!peer.present) return refused("renewal needs the agent's current certificate (mutual TLS)");
  if (std::string why = refusal(peer); !why.empty()) return refused(why);
  MEND_ASSIGN_OR_RETURN(IssuedCertificate cert, sign(peer.common_name, request_pem));
  const int64_t now = clock_.now_ms();
  MEND_TRY(store_.insert_agent_cert(
      AgentCert{cert.serial, peer.common_name, cert.fingerprint, cert.not_before_ms, cert.not_after_ms, now, 0, ""}));
  spdlog::info("agent {} renewed its certificate: {} until {}", peer.common_name, cert.serial, cert.not_after_ms);
  return cert;
}

Result<void> AgentTrust::revoke_join_token(std::string_view id) {
  MEND_ASSIGN_OR_RETURN(bool found, store_.expire_join_token(id, clock_.now_ms()));
  if (!found) return make_error(ErrorCode::not_found, "no join token " + std::string(id));
  spdlog::warn("join token {} revoked", id);
  return ok();
}

Result<int64_t> AgentTrust::revoke(std::string_view host) {
  MEND_ASSIGN_OR_RETURN(int64_t n, store_.revoke_agent_certs(host, clock_.now_ms()));
  spdlog::warn("agent {}: {} certificate{} revoked", host, n, n == 1 ? "" : "s");
  return n;
}

std::string AgentTrust::refusal(const PeerCertificate& peer) const {
  if (peer.present && revoked(peer.serial))
    return "certificate " + peer.serial + " of " + peer.common_name + " is revoked";
  return {};
}

Result<std::vector<std::string>> AgentTrust::poll_revocations() {
  const int64_t now = clock_.now_ms();
  const int64_t since = polled_until_ms_ == 0 ? 0 : polled_until_ms_ - kPollOverlapMs;
  MEND_ASSIGN_OR_RETURN(std::vector<AgentCert> certs, store_.revoked_agent_certs_since(since));
  polled_until_ms_ = now;
  std::vector<std::string> hosts;
  for (const auto& c : certs)
    if (revoked_serials_.insert(c.serial).second) hosts.push_back(c.host);
  return hosts;
}

}  // namespace mend::tls
