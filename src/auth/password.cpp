#include "auth/password.hpp"

#include <argon2.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <vector>

#include "common/encoding.hpp"

namespace mend::auth {

namespace {
constexpr uint32_t kTimeCost = 2;
constexpr uint32_t kMemoryKiB = 19 * 1024;
constexpr uint32_t kParallelism = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
}  // namespace

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  // RAND_bytes fails only when the OS cannot seed it: nothing secret can be
  // made then, so stop rather than hand out guessable secrets.
  if (RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1) std::abort();
  return hex_encode(buf.data(), buf.size());
}

Result<std::string> hash_password(std::string_view password) {
  unsigned char salt[kSaltBytes];
  if (RAND_bytes(salt, sizeof salt) != 1) return make_error(ErrorCode::internal, "no randomness for a salt");
  size_t len = argon2_encodedlen(kTimeCost, kMemoryKiB, kParallelism, kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(len, '\0');
  int rc = argon2id_hash_encoded(kTimeCost, kMemoryKiB, kParallelism, password.data(), password.size(), salt,
                                 sizeof salt, kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return make_error(ErrorCode::internal, std::string("argon2id: ") + argon2_error_message(rc));
  encoded.resize(encoded.find('\0') == std::string::npos ? encoded.size() : encoded.find('\0'));
  return encoded;
}

bool verify_password(std::string_view password, const std::string& encoded) {
  if (encoded.rfind("$argon2id$", 0) != 0) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

Result<void> check_password_policy(std::string_view password) {
  if (password.size() < 10) return make_error(ErrorCode::invalid_input, "a password needs at least 10 characters");
  if (password.size() > 1024) return make_error(ErrorCode::invalid_input, "a password has at most 1024 characters");
  return ok();
}

}  // namespace mend::auth
