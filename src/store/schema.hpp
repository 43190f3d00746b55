#pragma once
// The versioned database schema, shared by every backend. Statements are
// written in SQL that SQLite and PostgreSQL both accept; the few spots where
// they differ are placeholders that render_statement fills per dialect.
//
// Migrations are append-only: a released version is never edited, a change is
// a new version. Each backend applies the pending ones at open, one
// transaction per version, and records them in schema_migrations.
#include <string>
#include <string_view>
#include <vector>

namespace mend {

enum class SqlDialect { sqlite, postgres };

struct Migration {
  int version = 0;  // 1, 2, 3... in order
  std::string_view name;
  std::vector<std::string_view> statements;
};

// In ascending version order, starting at 1 with no gaps.
const std::vector<Migration>& schema_migrations();
int latest_schema_version();

// The bookkeeping table itself; created before any migration is applied.
std::string_view schema_migrations_table_sql();

// Replaces the dialect placeholders in a statement: {{id_pk}} is an
// auto-assigned 64-bit key that is never reused; {{bytes}} is a column that
// holds any bytes (NULs, invalid UTF-8) and reads back byte for byte: TEXT in
// SQLite, BYTEA in PostgreSQL. Such columns are stored, never searched.
std::string render_statement(SqlDialect dialect, std::string_view statement);

}  // namespace mend
