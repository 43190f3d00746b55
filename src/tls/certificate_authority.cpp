#include "tls/certificate_authority.hpp"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "common/encoding.hpp"
#include "tls/openssl_handles.hpp"

namespace mend::tls {

struct CertificateAuthority::State {
  X509Ptr cert;
  PkeyPtr key;
  std::string cert_pem;
  std::string fingerprint;
};

namespace {

// Certificates start five minutes in the past so a peer whose clock is a
// little behind does not see them as not yet valid.
constexpr int64_t kBackdateS = 300;

int64_t asn1_time_ms(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string name_entry(X509_NAME* name, int nid) {
  int idx = X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) return {};
  ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, s);
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

Result<void> add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return openssl_error(ErrorCode::invalid_input, "certificate extension " + value);
  int added = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (added != 1) return openssl_error(ErrorCode::internal, "adding certificate extension");
  return ok();
}

Result<PkeyPtr> new_key() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return openssl_error(ErrorCode::internal, "generating a P-256 key");
  return key;
}

// A certificate for `subject_key` with the times, serial and subject filled in.
Result<X509Ptr> new_cert(EVP_PKEY* subject_key, const std::string& common_name, int64_t now_ms,
                         std::chrono::seconds lifetime) {
  X509Ptr cert(X509_new());
  if (!cert) return openssl_error(ErrorCode::internal, "X509_new");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return openssl_error(ErrorCode::internal, "random serial");
  serial[0] &= 0x7f;  // positive
  std::unique_ptr<BIGNUM, OpensslFree> bn(BN_bin2bn(serial, sizeof serial, nullptr));
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  const time_t now_s = static_cast<time_t>(now_ms / 1000);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), now_s - kBackdateS);
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), now_s + static_cast<time_t>(lifetime.count()));
  X509_set_pubkey(cert.get(), subject_key);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Mend"), -1,
                                 -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) != 1)
    return openssl_error(ErrorCode::invalid_input, "certificate name '" + common_name + "'");
  return cert;
}

CertificateInfo info_of(X509* cert) {
  CertificateInfo info;
  info.common_name = name_entry(X509_get_subject_name(cert), NID_commonName);
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  info.serial = hex_encode(ASN1_STRING_get0_data(serial), static_cast<size_t>(ASN1_STRING_length(serial)));
  info.fingerprint = cert_fingerprint(cert);
  info.not_before_ms = asn1_time_ms(X509_get0_notBefore(cert));
  info.not_after_ms = asn1_time_ms(X509_get0_notAfter(cert));
  return info;
}

}  // namespace

Result<CaMaterial> CertificateAuthority::generate(std::string_view name, int64_t now_ms,
                                                  std::chrono::seconds lifetime) {
  MEND_ASSIGN_OR_RETURN(PkeyPtr key, new_key());
  MEND_ASSIGN_OR_RETURN(X509Ptr cert, new_cert(key.get(), std::string(name), now_ms, lifetime));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  MEND_TRY(add_ext(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  MEND_TRY(add_ext(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  MEND_TRY(add_ext(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
    return openssl_error(ErrorCode::internal, "self-signing the CA certificate");
  return CaMaterial{cert_to_pem(cert.get()), key_to_pem(key.get())};
}

Result<CertificateAuthority> CertificateAuthority::load(const CaMaterial& material) {
  auto s = std::make_shared<State>();
  MEND_ASSIGN_OR_RETURN(s->cert, cert_from_pem(material.cert_pem));
  MEND_ASSIGN_OR_RETURN(s->key, key_from_pem(material.key_pem));
  if (X509_check_private_key(s->cert.get(), s->key.get()) != 1)
    return openssl_error(ErrorCode::invalid_input, "the CA key does not match the CA certificate");
  if (X509_check_ca(s->cert.get()) == 0) return make_error(ErrorCode::invalid_input, "not a CA certificate");
  s->cert_pem = cert_to_pem(s->cert.get());
  s->fingerprint = cert_fingerprint(s->cert.get());
  return CertificateAuthority(std::move(s));
}

const std::string& CertificateAuthority::cert_pem() const { return s_->cert_pem; }
const std::string& CertificateAuthority::fingerprint() const { return s_->fingerprint; }

namespace {

Result<IssuedCertificate> sign_for(const CertificateAuthority::State& ca, EVP_PKEY* subject_key,
                                   const CertProfile& profile, int64_t now_ms) {
  if (profile.common_name.empty() || profile.common_name.size() > 64)
    return make_error(ErrorCode::invalid_input, "certificate name must be 1 to 64 bytes");
  MEND_ASSIGN_OR_RETURN(X509Ptr cert, new_cert(subject_key, profile.common_name, now_ms, profile.lifetime));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.cert.get()));
  MEND_TRY(add_ext(cert.get(), ca.cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  MEND_TRY(add_ext(cert.get(), ca.cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment"));
  MEND_TRY(add_ext(cert.get(), ca.cert.get(), NID_ext_key_usage,
                   profile.use == CertUse::server ? "serverAuth" : "clientAuth"));
  MEND_TRY(add_ext(cert.get(), ca.cert.get(), NID_subject_key_identifier, "hash"));
  MEND_TRY(add_ext(cert.get(), ca.cert.get(), NID_authority_key_identifier, "keyid:always"));
  std::string alt;
  for (const auto& d : profile.dns_names) alt += (alt.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& ip : profile.ip_addresses) alt += (alt.empty() ? "IP:" : ",IP:") + ip;
  if (!alt.empty()) MEND_TRY(add_ext(cert.get(), ca.cert.get(), NID_subject_alt_name, alt));
  if (X509_sign(cert.get(), ca.key.get(), EVP_sha256()) == 0)
    return openssl_error(ErrorCode::internal, "signing a certificate");
  CertificateInfo info = info_of(cert.get());
  return IssuedCertificate{cert_to_pem(cert.get()), info.serial, info.fingerprint, info.common_name,
                           info.not_before_ms, info.not_after_ms};
}

}  // namespace

Result<IssuedCertificate> CertificateAuthority::sign_request(std::string_view request_pem, const CertProfile& profile,
                                                             int64_t now_ms) const {
  if (request_pem.size() > kMaxRequestPemBytes)
    return make_error(ErrorCode::invalid_input, "certificate request over " + std::to_string(kMaxRequestPemBytes) +
                                                    " bytes refused");
  MEND_ASSIGN_OR_RETURN(ReqPtr req, req_from_pem(request_pem));
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
  if (!key) return openssl_error(ErrorCode::invalid_input, "certificate request without a public key");
  if (X509_REQ_verify(req.get(), key) != 1)
    return openssl_error(ErrorCode::invalid_input, "certificate request signature does not verify");
  const int bits = EVP_PKEY_get_bits(key);
  const int type = EVP_PKEY_get_base_id(key);
  if (!((type == EVP_PKEY_EC && bits >= 256) || (type == EVP_PKEY_RSA && bits >= 2048 && bits <= 8192) ||
        type == EVP_PKEY_ED25519))
    return make_error(ErrorCode::invalid_input, "certificate request key refused (want EC P-256 or better, "
                                                "RSA 2048-8192 or Ed25519)");
  return sign_for(*s_, key, profile, now_ms);
}

Result<KeyAndCertificate> CertificateAuthority::issue_with_new_key(const CertProfile& profile, int64_t now_ms) const {
  MEND_ASSIGN_OR_RETURN(PkeyPtr key, new_key());
  MEND_ASSIGN_OR_RETURN(IssuedCertificate cert, sign_for(*s_, key.get(), profile, now_ms));
  return KeyAndCertificate{key_to_pem(key.get()), std::move(cert)};
}

Result<std::string> generate_private_key_pem() {
  MEND_ASSIGN_OR_RETURN(PkeyPtr key, new_key());
  return key_to_pem(key.get());
}

Result<std::string> make_certificate_request(std::string_view key_pem, std::string_view common_name) {
  MEND_ASSIGN_OR_RETURN(PkeyPtr key, key_from_pem(key_pem));
  ReqPtr req(X509_REQ_new());
  X509_REQ_set_version(req.get(), 0);
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  const std::string cn(common_name);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                 -1, 0) != 1)
    return openssl_error(ErrorCode::invalid_input, "certificate request name '" + cn + "'");
  X509_REQ_set_pubkey(req.get(), key.get());
  if (X509_REQ_sign(req.get(), key.get(), EVP_sha256()) == 0)
    return openssl_error(ErrorCode::internal, "signing the certificate request");
  return req_to_pem(req.get());
}

Result<CertificateInfo> read_certificate(std::string_view cert_pem) {
  MEND_ASSIGN_OR_RETURN(X509Ptr cert, cert_from_pem(cert_pem));
  return info_of(cert.get());
}

}  // namespace mend::tls
