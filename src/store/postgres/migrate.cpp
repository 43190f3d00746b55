#include "store/postgres/migrate.hpp"

#include <string>

#include "store/migration_run.hpp"
#include "store/schema.hpp"

namespace mend::pg {

namespace {

// Any fixed 64-bit number shared by every Mend server ("mend" in ASCII, and
// the schema's purpose); other applications on the database pick their own.
constexpr int64_t kMigrationLockKey = 0x6d656e64'00000001;

Result<void> apply(Connection& conn, const Migration& m, int64_t now_ms) {
  MEND_TRY(conn.exec_script("BEGIN"));
  auto body = [&]() -> Result<void> {
    for (std::string_view statement : m.statements)
      MEND_TRY(conn.exec_script(render_statement(SqlDialect::postgres, statement)));
    Params p;
    p.add(int64_t{m.version}).add(now_ms);
    MEND_TRY(conn.exec("INSERT INTO schema_migrations(version, applied_ms) VALUES ($1, $2)", p));
    return ok();
  };
  auto done = body();
  if (done.ok()) done = conn.exec_script("COMMIT");
  if (!done.ok()) {
    if (!conn.lost() && conn.transaction_status() != PQTRANS_IDLE)
      (void)conn.exec_script("ROLLBACK");
    return migration_failed(m, done.error());
  }
  return ok();
}

Result<void> migrate_locked(Connection& conn, int64_t now_ms) {
  MEND_TRY(conn.exec_script(schema_migrations_table_sql()));
  MEND_ASSIGN_OR_RETURN(int current, schema_version(conn));
  return apply_pending_migrations(current, [&](const Migration& m) { return apply(conn, m, now_ms); });
}

}  // namespace

Result<int> schema_version(Connection& conn) {
  MEND_ASSIGN_OR_RETURN(Rows rows,
                        conn.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  return rows.empty() ? 0 : rows.i32(0, 0);
}

Result<void> migrate(Connection& conn, int64_t now_ms) {
  // Session-level, so it spans the per-version transactions; also covers the
  // CREATE TABLE IF NOT EXISTS, which two sessions racing could both attempt.
  Params key;
  key.add(kMigrationLockKey);
  MEND_TRY(conn.exec("SELECT pg_advisory_lock($1)", key));
  auto done = migrate_locked(conn, now_ms);
  // A lost connection releases the lock with the session.
  if (!conn.lost()) (void)conn.exec("SELECT pg_advisory_unlock($1)", key);
  return done;
}

}  // namespace mend::pg
