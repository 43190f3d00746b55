#include "store/sqlite/migrate.hpp"

#include <string>

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
    return make_error(ErrorCode::unavailable, "schema migration " + std::to_string(m.version) +
                                                  " (" + std::string(m.name) +
                                                  ") failed: " + done.error().message);
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
  int latest = latest_schema_version();
  if (current > latest) {
    // Running an older binary on a newer schema could corrupt data it does not
    // understand; the operator must upgrade Mend instead.
    return make_error(ErrorCode::unavailable, "database schema version " + std::to_string(current) +
                                                  " is newer than this Mend supports (" +
                                                  std::to_string(latest) +
                                                  "); upgrade Mend to open it");
  }
  for (const Migration& m : schema_migrations()) {
    if (m.version > current) MEND_TRY(apply(conn, m, now_ms));
  }
  return ok();
}

}  // namespace mend::sqlite
