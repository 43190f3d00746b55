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
// Compares without leaking where two strings differ through timing.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace mend::tls
