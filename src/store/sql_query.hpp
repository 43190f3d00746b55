#pragma once
// A dialect-neutral statement for the parts of the store written once for
// both backends (users, sessions, tokens, audit records: small tables, few
// rows per call). Statements use PostgreSQL's typed parameters, `$1::text`,
// `$2::bigint`; on SQLite they become `?1`, `?2`, and a trailing
// " FOR UPDATE" (PostgreSQL's row lock) is dropped: SQLite has one writer.
// Only src/store writes these statements; nothing above it sees SQL.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mend {

using SqlValue = std::variant<std::monostate, int64_t, std::string>;

struct SqlRows {
  std::vector<std::vector<SqlValue>> rows;
  int64_t affected = 0;  // rows changed by an INSERT/UPDATE/DELETE

  size_t size() const { return rows.size(); }
  bool empty() const { return rows.empty(); }
  int64_t i64(size_t row, size_t col) const;  // 0 for NULL
  std::string text(size_t row, size_t col) const;  // "" for NULL
};

// The SQLite rendering of a statement written for PostgreSQL as above.
std::string sqlite_statement(std::string_view pg_statement);

}  // namespace mend
