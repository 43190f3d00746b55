#pragma once
// Trust records (see tls_model.hpp) on the server's database: the CA, join
// tokens, agent certificates. Apart from Store because they are no part of a
// task's state changes; on a connection of its own to the same database, so
// every server on one PostgreSQL shares them.
//
// Threading: one thread at a time (the server's io_context thread). Every
// method is one transaction. Errors: unavailable (database), conflict as noted.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/tls_model.hpp"

namespace mend {

class TrustStore {
 public:
  virtual ~TrustStore() = default;

  virtual Result<std::optional<StoredCa>> find_ca() = 0;
  // Inserts the CA unless there is one; false (nothing changed) when there was.
  virtual Result<bool> insert_ca(const StoredCa& ca) = 0;

  // Errors: conflict when the id exists.
  virtual Result<void> insert_join_token(const JoinToken& token) = 0;
  virtual Result<std::optional<JoinToken>> find_join_token(std::string_view id) = 0;
  // Newest first.
  virtual Result<std::vector<JoinToken>> list_join_tokens() = 0;
  // Makes the token expire at `now_ms` unless it already has; false when
  // there is no such token.
  virtual Result<bool> expire_join_token(std::string_view id, int64_t now_ms) = 0;
  // Spends one use of the token for `cert.host` and records the certificate,
  // together. Errors: conflict when no use is left or this host already used it.
  virtual Result<void> enroll(std::string_view token_id, const AgentCert& cert, int64_t now_ms) = 0;

  // A renewed certificate.
  virtual Result<void> insert_agent_cert(const AgentCert& cert) = 0;
  virtual Result<std::optional<AgentCert>> find_agent_cert(std::string_view serial) = 0;
  // The newest certificate of each host, by host.
  virtual Result<std::vector<AgentCert>> latest_agent_certs() = 0;
  // Revokes every unrevoked certificate of `host`; returns how many.
  virtual Result<int64_t> revoke_agent_certs(std::string_view host, int64_t now_ms) = 0;
  // Certificates revoked at or after `since_ms`, oldest revocation first (an
  // index keeps this cheap: servers poll it).
  virtual Result<std::vector<AgentCert>> revoked_agent_certs_since(int64_t since_ms) = 0;
};

// The trust records of the database named by `url` (as for open_store, which
// must have run first: it creates the schema). Errors: invalid_input, unavailable.
Result<std::unique_ptr<TrustStore>> open_trust_store(const std::string& url);

}  // namespace mend
