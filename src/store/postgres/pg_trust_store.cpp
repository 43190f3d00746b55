// Trust records on PostgreSQL: a connection of their own, reopened when lost.
#include "store/postgres/pg_trust_store.hpp"

#include "common/strings.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/connector.hpp"
#include "store/row_fields.hpp"

namespace mend {

namespace {

using pg::Params;
using pg::Rows;

const std::string kTokenColumns = "id, secret_hash, host_pattern, max_uses, uses, expires_ms, created_ms, created_by";
const std::string kCertColumns =
    "serial, host, fingerprint, not_before_ms, not_after_ms, issued_ms, revoked_ms, token_id";

std::vector<JoinToken> read_tokens(const Rows& r) {
  std::vector<JoinToken> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back(JoinToken{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.i64(i, 3), r.i64(i, 4), r.i64(i, 5),
                            r.i64(i, 6), r.text(i, 7)});
  return out;
}

std::vector<AgentCert> read_certs(const Rows& r) {
  std::vector<AgentCert> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back(AgentCert{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.i64(i, 3), r.i64(i, 4), r.i64(i, 5),
                            r.i64(i, 6), r.text(i, 7)});
  return out;
}

class PgTrustStore final : public TrustStore {
 public:
  explicit PgTrustStore(std::string conninfo)
      : conninfo_(std::move(conninfo)), where_(pg::describe_conninfo(conninfo_)),
        password_(pg::conninfo_password(conninfo_)), connector_(conninfo_, where_) {}

  Result<std::optional<StoredCa>> find_ca() override {
    MEND_ASSIGN_OR_RETURN(Rows r, exec("SELECT cert_pem, key_pem, fingerprint, created_ms FROM tls_ca WHERE id = 1"));
    if (r.empty()) return std::optional<StoredCa>();
    return std::optional<StoredCa>(StoredCa{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.i64(0, 3)});
  }

  // Two servers starting at once both try; the primary key lets one win and
  // the other reads the winner's CA.
  Result<bool> insert_ca(const StoredCa& ca) override {
    Params p;
    p.add(ca.cert_pem).add(ca.key_pem).add(ca.fingerprint).add(ca.created_ms);
    MEND_ASSIGN_OR_RETURN(Rows r, exec("INSERT INTO tls_ca(id, cert_pem, key_pem, fingerprint, created_ms) "
                                       "VALUES (1, $1::text, $2::text, $3::text, $4::bigint) "
                                       "ON CONFLICT (id) DO NOTHING",
                                       p));
    return r.affected() > 0;
  }

  Result<void> insert_join_token(const JoinToken& t) override {
    Params p;
    p.add(t.id).add(t.secret_hash).add(t.host_pattern).add(t.max_uses).add(t.uses).add(t.expires_ms)
        .add(t.created_ms).add(t.created_by);
    MEND_ASSIGN_OR_RETURN(Rows r, exec("INSERT INTO join_tokens(" + kTokenColumns +
                                           ") VALUES ($1::text, $2::text, $3::text, $4::bigint, $5::bigint, "
                                           "$6::bigint, $7::bigint, $8::text) ON CONFLICT (id) DO NOTHING",
                                       p));
    if (r.affected() == 0) return make_error(ErrorCode::conflict, "join token " + t.id + " exists");
    return ok();
  }

  Result<std::optional<JoinToken>> find_join_token(std::string_view id) override {
    Params p;
    p.add(id);
    MEND_ASSIGN_OR_RETURN(Rows r, exec("SELECT " + kTokenColumns + " FROM join_tokens WHERE id = $1::text", p));
    return first(read_tokens(r));
  }

  Result<std::vector<JoinToken>> list_join_tokens() override {
    MEND_ASSIGN_OR_RETURN(Rows r, exec("SELECT " + kTokenColumns +
                                       " FROM join_tokens ORDER BY created_ms DESC, id COLLATE \"C\""));
    return read_tokens(r);
  }

  // The UPDATE locks the token's row, so two servers spending the last use of
  // one token take turns and the second finds none left.
  Result<void> enroll(std::string_view token_id, const AgentCert& cert, int64_t now_ms) override {
    MEND_TRY(connect());
    MEND_TRY(scrub(conn_->exec_script("BEGIN")));
    in_transaction_ = true;
    auto r = [&]() -> Result<void> {
      Params p;
      p.add(token_id);
      MEND_ASSIGN_OR_RETURN(
          Rows updated,
          exec("UPDATE join_tokens SET uses = uses + 1 WHERE id = $1::text AND uses < max_uses", p));
      if (updated.affected() == 0) return make_error(ErrorCode::conflict, "the join token has no use left");
      Params q;
      q.add(token_id).add(cert.host).add(now_ms);
      MEND_ASSIGN_OR_RETURN(Rows inserted, exec("INSERT INTO join_token_uses(token_id, host, used_ms) "
                                                "VALUES ($1::text, $2::text, $3::bigint) ON CONFLICT DO NOTHING",
                                                q));
      if (inserted.affected() == 0)
        return make_error(ErrorCode::conflict, "host " + cert.host + " already used this join token");
      return insert_agent_cert(cert);
    }();
    if (r.ok()) r = scrub(conn_->exec_script("COMMIT"));
    if (!r.ok() && !conn_->lost()) (void)conn_->exec_script("ROLLBACK");
    in_transaction_ = false;
    return r;
  }

  Result<void> insert_agent_cert(const AgentCert& c) override {
    Params p;
    p.add(c.serial).add(c.host).add(c.fingerprint).add(c.not_before_ms).add(c.not_after_ms).add(c.issued_ms)
        .add(c.revoked_ms).add(c.token_id);
    MEND_TRY(exec("INSERT INTO agent_certs(" + kCertColumns +
                      ") VALUES ($1::text, $2::text, $3::text, $4::bigint, $5::bigint, $6::bigint, $7::bigint, "
                      "$8::text)",
                  p));
    return ok();
  }

  Result<std::optional<AgentCert>> find_agent_cert(std::string_view serial) override {
    Params p;
    p.add(serial);
    MEND_ASSIGN_OR_RETURN(Rows r, exec("SELECT " + kCertColumns + " FROM agent_certs WHERE serial = $1::text", p));
    return first(read_certs(r));
  }

  Result<std::vector<AgentCert>> latest_agent_certs() override {
    MEND_ASSIGN_OR_RETURN(Rows r, exec("SELECT DISTINCT ON (host) " + kCertColumns +
                                       " FROM agent_certs ORDER BY host, issued_ms DESC, serial"));
    return read_certs(r);
  }

  Result<int64_t> revoke_agent_certs(std::string_view host, int64_t now_ms) override {
    Params p;
    p.add(now_ms).add(host);
    MEND_ASSIGN_OR_RETURN(
        Rows r, exec("UPDATE agent_certs SET revoked_ms = $1::bigint WHERE host = $2::text AND revoked_ms = 0", p));
    return r.affected();
  }

  Result<bool> expire_join_token(std::string_view id, int64_t now_ms) override {
    Params p;
    p.add(now_ms).add(id);
    MEND_ASSIGN_OR_RETURN(
        Rows r, exec("UPDATE join_tokens SET expires_ms = LEAST(expires_ms, $1::bigint) WHERE id = $2::text", p));
    return r.affected() > 0;
  }

  Result<std::vector<AgentCert>> revoked_agent_certs_since(int64_t since_ms) override {
    Params p;
    p.add(since_ms);
    MEND_ASSIGN_OR_RETURN(Rows r, exec("SELECT " + kCertColumns +
                                           " FROM agent_certs WHERE revoked_ms > 0 AND revoked_ms >= $1::bigint "
                                           "ORDER BY revoked_ms",
                                       p));
    return read_certs(r);
  }

  // Waits for a reconnect at most `wait` (the API calls this on the event
  // loop); a longer one goes on and a later call picks it up (pg::Connector).
  Result<void> connect(std::chrono::milliseconds wait = pg::kConnectWait) {
    if (conn_ && !conn_->lost()) return ok();
    // Reconnecting inside a transaction would run its rest outside it.
    if (in_transaction_) return make_error(ErrorCode::unavailable, "PostgreSQL " + where_ + ": connection lost");
    conn_.reset();
    connector_.start();
    auto outcome = connector_.take(wait);
    if (!outcome) return pg::still_connecting(where_);
    auto opened = std::move(*outcome);
    if (!opened.ok()) return scrub(opened.error());
    conn_ = std::move(opened).value();
    return ok();
  }

 private:
  Result<Rows> exec(std::string_view sql, const Params& params = Params()) {
    MEND_TRY(connect());
    auto r = conn_->exec(sql, params);
    if (!r.ok()) return scrub(r.error());
    return r;
  }
  Error scrub(Error e) const {
    if (!password_.empty()) e.message = replace_all(e.message, password_, "***");
    e.message = "PostgreSQL " + where_ + ": " + e.message;
    return e;
  }
  Result<void> scrub(Result<void> r) const { return r.ok() ? r : Result<void>(scrub(r.error())); }

  std::string conninfo_;
  std::string where_;
  std::string password_;
  pg::Connector connector_;
  std::unique_ptr<pg::Connection> conn_;
  bool in_transaction_ = false;
};

}  // namespace

Result<std::unique_ptr<TrustStore>> open_pg_trust_store(const std::string& conninfo) {
  auto store = std::make_unique<PgTrustStore>(conninfo);
  // At start the server waits for its database as long as libpq tries.
  MEND_TRY(store->connect(std::chrono::minutes(10)));
  return std::unique_ptr<TrustStore>(std::move(store));
}

}  // namespace mend
