#pragma once
// Password hashing with argon2id (libargon2, the reference implementation of
// the Password Hashing Competition's winner; RFC 9106). Chosen over OpenSSL's
// scrypt and PBKDF2 because argon2id is OWASP's first recommendation, is
// memory-hard against GPUs, and stores its parameters and salt in a standard
// PHC string, so they can be raised later without a migration: a hash made
// with older parameters still verifies.
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mend::auth {

// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" with a fresh random salt
// (OWASP's minimum for argon2id: 19 MiB, 2 passes). Takes tens of
// milliseconds by design. Errors: internal when the library fails.
Result<std::string> hash_password(std::string_view password);

// Whether `password` matches `encoded` (a hash_password result), in time that
// does not depend on how much of it matched. False for a malformed hash.
bool verify_password(std::string_view password, const std::string& encoded);

// A password policy simple enough to state in an error: at least 10 characters.
Result<void> check_password_policy(std::string_view password);

// `bytes` random bytes from the OS CSPRNG, as lowercase hex.
std::string random_hex(size_t bytes);

}  // namespace mend::auth
