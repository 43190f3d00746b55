#include "tls/secrets.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

#include "common/encoding.hpp"

namespace mend::tls {

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  // A CSPRNG that cannot seed itself leaves nothing safe to do.
  if (RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1) throw std::runtime_error("RAND_bytes failed");
  return hex_encode(buf.data(), bytes);
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  return hex_encode(md, n);
}

}  // namespace mend::tls
