#pragma once
// Random secrets and their hashes, for join tokens.
#include <cstddef>
#include <string>
#include <string_view>

namespace mend::tls {

// `bytes` random bytes from OpenSSL's CSPRNG, as lowercase hex.
std::string random_hex(size_t bytes);
// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace mend::tls
