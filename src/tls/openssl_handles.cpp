#include "tls/openssl_handles.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/encoding.hpp"

namespace mend::tls {

namespace {
std::string drain(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

BioPtr read_bio(std::string_view pem) { return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))); }
}  // namespace

Error openssl_error(ErrorCode code, std::string_view what) {
  unsigned long e = ERR_get_error();
  std::string message(what);
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    message += ": ";
    message += buf;
  }
  ERR_clear_error();
  return make_error(code, std::move(message));
}

std::string key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return drain(bio.get());
}

std::string cert_to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return drain(bio.get());
}

std::string req_to_pem(X509_REQ* req) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), req);
  return drain(bio.get());
}

Result<PkeyPtr> key_from_pem(std::string_view pem) {
  auto bio = read_bio(pem);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return openssl_error(ErrorCode::invalid_input, "not a PEM private key");
  return key;
}

Result<X509Ptr> cert_from_pem(std::string_view pem) {
  auto bio = read_bio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return openssl_error(ErrorCode::invalid_input, "not a PEM certificate");
  return cert;
}

Result<ReqPtr> req_from_pem(std::string_view pem) {
  auto bio = read_bio(pem);
  ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) return openssl_error(ErrorCode::invalid_input, "not a PEM certificate request");
  return req;
}

std::string cert_fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha256(), md, &n);
  return hex_encode(md, n);
}

}  // namespace mend::tls
