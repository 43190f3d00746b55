#pragma once
// Owning handles for the OpenSSL objects src/tls uses, and the one place that
// turns OpenSSL's error queue into an Error. Included only by src/tls sources.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mend::tls {

struct OpensslFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_REQ* p) const { X509_REQ_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(ASN1_INTEGER* p) const { ASN1_INTEGER_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpensslFree>;
using X509Ptr = std::unique_ptr<X509, OpensslFree>;
using ReqPtr = std::unique_ptr<X509_REQ, OpensslFree>;
using BioPtr = std::unique_ptr<BIO, OpensslFree>;

// `what` plus the oldest queued OpenSSL error (the queue is cleared).
Error openssl_error(ErrorCode code, std::string_view what);

// PEM text of a key (PKCS#8, unencrypted), a certificate, a request.
std::string key_to_pem(EVP_PKEY* key);
std::string cert_to_pem(X509* cert);
std::string req_to_pem(X509_REQ* req);

// Parsers; invalid_input when `pem` holds no such object.
Result<PkeyPtr> key_from_pem(std::string_view pem);
Result<X509Ptr> cert_from_pem(std::string_view pem);
Result<ReqPtr> req_from_pem(std::string_view pem);

// Lowercase hex SHA-256 of the certificate's DER encoding.
std::string cert_fingerprint(X509* cert);

}  // namespace mend::tls
