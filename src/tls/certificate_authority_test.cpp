#include "tls/certificate_authority.hpp"

#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>

#include "tls/openssl_handles.hpp"

namespace mend::tls {
namespace {

constexpr int64_t kNow = 1'750'000'000'000;

CertificateAuthority make_ca() {
  auto material = CertificateAuthority::generate("Test CA", kNow);
  EXPECT_TRUE(material.ok());
  auto ca = CertificateAuthority::load(*material);
  EXPECT_TRUE(ca.ok()) << ca.error().message;
  return std::move(ca).value();
}

// OpenSSL's own chain check, at `at_ms`: "" when the certificate verifies.
std::string verify(const std::string& ca_pem, const std::string& cert_pem, int64_t at_ms) {
  auto ca = cert_from_pem(ca_pem);
  auto cert = cert_from_pem(cert_pem);
  std::unique_ptr<X509_STORE, OpensslFree> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca->get());
  std::unique_ptr<X509_STORE_CTX, OpensslFree> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert->get(), nullptr);
  X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(at_ms / 1000));
  if (X509_verify_cert(ctx.get()) == 1) return "";
  return X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
}

TEST(CertificateAuthority, SignsARequestForTheNameItIsTold) {
  CertificateAuthority ca = make_ca();
  EXPECT_EQ(ca.fingerprint().size(), 64u);
  auto key = generate_private_key_pem();
  ASSERT_TRUE(key.ok());
  auto req = make_certificate_request(*key, "whatever-the-agent-says");
  ASSERT_TRUE(req.ok());
  CertProfile p;
  p.common_name = "web-01";
  p.lifetime = std::chrono::hours(24 * 30);
  auto cert = ca.sign_request(*req, p, kNow);
  ASSERT_TRUE(cert.ok()) << cert.error().message;
  EXPECT_EQ(cert->common_name, "web-01");
  EXPECT_EQ(cert->not_after_ms, kNow + 30LL * 24 * 3600 * 1000);
  EXPECT_LT(cert->not_before_ms, kNow);
  EXPECT_EQ(verify(ca.cert_pem(), cert->cert_pem, kNow), "");
  EXPECT_EQ(verify(ca.cert_pem(), cert->cert_pem, cert->not_after_ms + 1000), "certificate has expired");
  auto info = read_certificate(cert->cert_pem);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->serial, cert->serial);
  EXPECT_EQ(info->fingerprint, cert->fingerprint);
}

TEST(CertificateAuthority, AnotherCasCertificateDoesNotVerify) {
  CertificateAuthority ours = make_ca();
  CertificateAuthority theirs = make_ca();
  CertProfile p;
  p.common_name = "web-01";
  auto cert = theirs.issue_with_new_key(p, kNow);
  ASSERT_TRUE(cert.ok());
  EXPECT_NE(verify(ours.cert_pem(), cert->cert.cert_pem, kNow), "");
  EXPECT_NE(ours.fingerprint(), theirs.fingerprint());
}

TEST(CertificateAuthority, RefusesBadRequests) {
  CertificateAuthority ca = make_ca();
  CertProfile p;
  p.common_name = "web-01";
  EXPECT_EQ(ca.sign_request("not a request", p, kNow).error().code, ErrorCode::invalid_input);
  std::string huge = "-----BEGIN CERTIFICATE REQUEST-----\n" + std::string(kMaxRequestPemBytes, 'A') + "\n";
  auto too_big = ca.sign_request(huge, p, kNow);
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.error().message.find("over"), std::string::npos);
  // A request whose signature does not match its key (the body altered).
  auto key = generate_private_key_pem();
  auto req = make_certificate_request(*key, "web-01");
  ASSERT_TRUE(req.ok());
  std::string tampered = *req;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(ca.sign_request(tampered, p, kNow).ok());
  p.common_name = "";
  EXPECT_FALSE(ca.sign_request(*req, p, kNow).ok());
}

TEST(CertificateAuthority, LoadRefusesAMismatchedKey) {
  auto one = CertificateAuthority::generate("One", kNow);
  auto two = CertificateAuthority::generate("Two", kNow);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_FALSE(CertificateAuthority::load(CaMaterial{one->cert_pem, two->key_pem}).ok());
}

}  // namespace
}  // namespace mend::tls
