#pragma once
// Mend's CA as the servers keep it: in the store, so every server on one
// PostgreSQL signs with the same CA and an agent enrolled through one is
// trusted by all. The first server to start makes it.
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "store/trust_store.hpp"
#include "tls/certificate_authority.hpp"
#include "tls/tls_context.hpp"

namespace mend::tls {

// The stored CA, or a new one stored now. Servers starting together on one
// PostgreSQL each make one; the first insert wins and every server uses the
// winner. Errors: unavailable (database), invalid_input (a stored CA that
// does not load).
Result<CertificateAuthority> load_or_create_ca(TrustStore& store, int64_t now_ms);

// A server certificate with a new key for `names` (host names and IP
// addresses), signed by `ca`, valid a year; made at every start, so it is
// never stored. The chain holds the CA too, so a client that pinned the CA's
// fingerprint can find it.
Result<ServerTlsMaterial> make_server_material(const CertificateAuthority& ca, const std::vector<std::string>& names,
                                               int64_t now_ms);

}  // namespace mend::tls
