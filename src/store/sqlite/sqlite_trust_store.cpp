// Trust records on SQLite: one connection of their own to the server's file.
#include "store/sqlite/sqlite_trust_store.hpp"

#include "common/clock.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/migrate.hpp"
#include "store/sqlite/rows.hpp"

namespace mend {

namespace {

using sqlite::Statement;

const std::string kTokenColumns = "id, secret_hash, host_pattern, max_uses, uses, expires_ms, created_ms, created_by";
const std::string kCertColumns =
    "serial, host, fingerprint, not_before_ms, not_after_ms, issued_ms, revoked_ms, token_id";

JoinToken read_token(const Statement& st) {
  return JoinToken{st.text(0), st.text(1), st.text(2), st.i64(3), st.i64(4), st.i64(5), st.i64(6), st.text(7)};
}

AgentCert read_cert(const Statement& st) {
  return AgentCert{st.text(0), st.text(1), st.text(2), st.i64(3), st.i64(4), st.i64(5), st.i64(6), st.text(7)};
}

class SqliteTrustStore final : public TrustStore {
 public:
  explicit SqliteTrustStore(std::unique_ptr<sqlite::Connection> conn) : conn_(std::move(conn)) {}

  Result<std::optional<StoredCa>> find_ca() override {
    MEND_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT cert_pem, key_pem, fingerprint, created_ms FROM tls_ca "
                                                  "WHERE id = 1"));
    return sqlite::read_first(
        st, [](const Statement& row) { return StoredCa{row.text(0), row.text(1), row.text(2), row.i64(3)}; });
  }

  Result<bool> insert_ca(const StoredCa& ca) override {
    MEND_ASSIGN_OR_RETURN(auto st,
                          conn_->prepare("INSERT INTO tls_ca(id, cert_pem, key_pem, fingerprint, created_ms) "
                                         "VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"));
    MEND_TRY(st.bind(ca.cert_pem).bind(ca.key_pem).bind(ca.fingerprint).bind(ca.created_ms).run());
    return conn_->changes() > 0;
  }

  Result<void> insert_join_token(const JoinToken& t) override {
    MEND_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT INTO join_tokens(" + kTokenColumns +
                                                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"));
    MEND_TRY(st.bind(t.id).bind(t.secret_hash).bind(t.host_pattern).bind(t.max_uses).bind(t.uses)
                 .bind(t.expires_ms).bind(t.created_ms).bind(t.created_by).run());
    if (conn_->changes() == 0) return make_error(ErrorCode::conflict, "join token " + t.id + " exists");
    return ok();
  }

  Result<std::optional<JoinToken>> find_join_token(std::string_view id) override {
    MEND_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT " + kTokenColumns + " FROM join_tokens WHERE id = ?"));
    st.bind(id);
    return sqlite::read_first(st, read_token);
  }

  Result<std::vector<JoinToken>> list_join_tokens() override {
    MEND_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT " + kTokenColumns +
                                                  " FROM join_tokens ORDER BY created_ms DESC, id"));
    return sqlite::read_all(st, read_token);
  }

  Result<void> enroll(std::string_view token_id, const AgentCert& cert, int64_t now_ms) override {
    return in_transaction([&]() -> Result<void> {
      {
        MEND_ASSIGN_OR_RETURN(
            auto update, conn_->prepare("UPDATE join_tokens SET uses = uses + 1 WHERE id = ? AND uses < max_uses"));
        MEND_TRY(update.bind(token_id).run());
        if (conn_->changes() == 0) return make_error(ErrorCode::conflict, "the join token has no use left");
      }
      {
        MEND_ASSIGN_OR_RETURN(auto insert, conn_->prepare("INSERT INTO join_token_uses(token_id, host, used_ms) "
                                                          "VALUES (?, ?, ?) ON CONFLICT DO NOTHING"));
        MEND_TRY(insert.bind(token_id).bind(cert.host).bind(now_ms).run());
        if (conn_->changes() == 0)
          return make_error(ErrorCode::conflict, "host " + cert.host + " already used this join token");
      }
      return insert_agent_cert(cert);
    });
  }

  Result<void> insert_agent_cert(const AgentCert& c) override {
    MEND_ASSIGN_OR_RETURN(auto st, conn_->prepare("INSERT INTO agent_certs(" + kCertColumns +
                                                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    return st.bind(c.serial).bind(c.host).bind(c.fingerprint).bind(c.not_before_ms).bind(c.not_after_ms)
        .bind(c.issued_ms).bind(c.revoked_ms).bind(c.token_id).run();
  }

  Result<std::optional<AgentCert>> find_agent_cert(std::string_view serial) override {
    MEND_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT " + kCertColumns + " FROM agent_certs WHERE serial = ?"));
    st.bind(serial);
    return sqlite::read_first(st, read_cert);
  }

  Result<std::vector<AgentCert>> latest_agent_certs() override {
    MEND_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT " + kCertColumns +
                                                  " FROM agent_certs a WHERE issued_ms = (SELECT MAX(issued_ms) FROM "
                                                  "agent_certs b WHERE b.host = a.host) ORDER BY host, serial"));
    return sqlite::read_all(st, read_cert);
  }

  Result<bool> expire_join_token(std::string_view id, int64_t now_ms) override {
    MEND_ASSIGN_OR_RETURN(auto st, conn_->prepare("UPDATE join_tokens SET expires_ms = MIN(expires_ms, ?) WHERE id = ?"));
    MEND_TRY(st.bind(now_ms).bind(id).run());
    return conn_->changes() > 0;
  }

  Result<int64_t> revoke_agent_certs(std::string_view host, int64_t now_ms) override {
    MEND_ASSIGN_OR_RETURN(auto st,
                          conn_->prepare("UPDATE agent_certs SET revoked_ms = ? WHERE host = ? AND revoked_ms = 0"));
    MEND_TRY(st.bind(now_ms).bind(host).run());
    return conn_->changes();
  }

  Result<std::vector<AgentCert>> revoked_agent_certs_since(int64_t since_ms) override {
    MEND_ASSIGN_OR_RETURN(auto st, conn_->prepare("SELECT " + kCertColumns +
                                                  " FROM agent_certs WHERE revoked_ms > 0 AND revoked_ms >= ? "
                                                  "ORDER BY revoked_ms"));
    st.bind(since_ms);
    return sqlite::read_all(st, read_cert);
  }

 private:
  template <class Fn>
  Result<void> in_transaction(Fn&& fn) {
    MEND_TRY(conn_->exec_script("BEGIN IMMEDIATE"));
    Result<void> r = fn();
    if (r.ok()) r = conn_->exec_script("COMMIT");
    if (!r.ok() && conn_->in_transaction()) (void)conn_->exec_script("ROLLBACK");
    return r;
  }

  std::unique_ptr<sqlite::Connection> conn_;
};

}  // namespace

Result<std::unique_ptr<TrustStore>> open_sqlite_trust_store(const std::string& path) {
  MEND_ASSIGN_OR_RETURN(auto conn, sqlite::Connection::open(path, sqlite::ConnectionOptions{}));
  // A no-op after open_store; creates the tables for a ":memory:" database,
  // which is a database of its own on every connection.
  MEND_TRY(sqlite::migrate(*conn, SystemClock().now_ms()));
  return std::unique_ptr<TrustStore>(new SqliteTrustStore(std::move(conn)));
}

}  // namespace mend
