#include "tls/enroll/server_ca.hpp"

#include "common/asio.hpp"

namespace mend::tls {

Result<CertificateAuthority> load_or_create_ca(TrustStore& store, int64_t now_ms) {
  MEND_ASSIGN_OR_RETURN(std::optional<StoredCa> stored, store.find_ca());
  if (!stored) {
    MEND_ASSIGN_OR_RETURN(CaMaterial made, CertificateAuthority::generate("Mend CA", now_ms));
    MEND_ASSIGN_OR_RETURN(CertificateAuthority fresh, CertificateAuthority::load(made));
    MEND_ASSIGN_OR_RETURN(bool inserted,
                          store.insert_ca(StoredCa{made.cert_pem, made.key_pem, fresh.fingerprint(), now_ms}));
    if (inserted) return fresh;
    // Another server inserted its CA first: use that one.
    MEND_ASSIGN_OR_RETURN(stored, store.find_ca());
    if (!stored) return make_error(ErrorCode::internal, "the CA vanished from the database");
  }
  auto ca = CertificateAuthority::load(CaMaterial{stored->cert_pem, stored->key_pem});
  if (!ca.ok()) return make_error(ErrorCode::invalid_input, "the CA in the database: " + ca.error().message);
  return ca;
}

Result<ServerTlsMaterial> make_server_material(const CertificateAuthority& ca, const std::vector<std::string>& names,
                                               int64_t now_ms) {
  CertProfile profile;
  profile.use = CertUse::server;
  profile.lifetime = std::chrono::hours(24 * 365);
  for (const auto& n : names) {
    if (n.empty()) continue;
    boost::system::error_code ec;
    auto ip = boost::asio::ip::make_address(n, ec);
    if (!ec)
      profile.ip_addresses.push_back(ip.to_string());
    else
      profile.dns_names.push_back(n);
  }
  profile.common_name = profile.dns_names.empty() ? "mend-server" : profile.dns_names.front();
  MEND_ASSIGN_OR_RETURN(KeyAndCertificate made, ca.issue_with_new_key(profile, now_ms));
  return ServerTlsMaterial{made.cert.cert_pem + ca.cert_pem(), made.key_pem, ca.cert_pem()};
}

}  // namespace mend::tls
