#include "store/sqlite/migrate.hpp"

#include <string>

#include "store/migration_run.hpp"
#include "store/schema.hpp"

namespace mend::sqlite {

namespace {

Result<void> apply(Connection& conn, const Migration& m, int64_t now_ms) {
  // IMMEDIATE takes the write lock before reading the version, so two servers
  // starting on one file cannot both apply the same migration.
  MEND_TRY(conn.exec_script("BEGIN IMMEDIATE"));
  auto body = [&]() -> Result<void> {
    MEND_ASSIGN_OR_RETURN(int current, schema_version(conn));
    if (current >= m.version) return ok();  // another process got here first
    for (std::string_view statement : m.statements)
      MEND_TRY(conn.exec_script(render_statement(SqlDialect::sqlite, statement)));
    MEND_ASSIGN_OR_RETURN(Statement record,
                          conn.prepare("INSERT INTO schema_migrations(version, applied_ms) "
                                       "VALUES (?, ?)"));
    MEND_TRY(record.bind(int64_t{m.version}).bind(now_ms).run());
    return ok();
  };
  auto done = body();
  if (done.ok()) done = conn.exec_script("COMMIT");
  if (!done.ok()) {
    if (conn.in_transaction()) (void)conn.exec_script("ROLLBACK");
    return migration_failed(m, done.error());
  }
  return ok();
}

}  // namespace

Result<int> schema_version(Connection& conn) {
  MEND_ASSIGN_OR_RETURN(Statement st,
                        conn.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  MEND_ASSIGN_OR_RETURN(bool row, st.step());
  return row ? st.i32(0) : 0;
}

Result<void> migrate(Connection& conn, int64_t now_ms) {
  MEND_TRY(conn.exec_script(schema_migrations_table_sql()));
  MEND_ASSIGN_OR_RETURN(int current, schema_version(conn));
  return apply_pending_migrations(current, [&](const Migration& m) { return apply(conn, m, now_ms); });
}

}  // namespace mend::sqlite
