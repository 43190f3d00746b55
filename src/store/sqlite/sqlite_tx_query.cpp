// StoreTx::query on SQLite: the PostgreSQL-form statement rendered with
// sqlite_statement(), prepared once and cached by the connection.
#include "store/sqlite/sqlite_tx.hpp"

namespace mend::sqlite {

Result<SqlRows> SqliteTx::query(std::string_view pg_sql, const std::vector<SqlValue>& params) {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare(sqlite_statement(pg_sql)));
  for (const auto& p : params) {
    if (const auto* i = std::get_if<int64_t>(&p)) st.bind(*i);
    else if (const auto* s = std::get_if<std::string>(&p)) st.bind(std::string_view(*s));
    else st.bind(std::string_view());
  }
  SqlRows out;
  for (;;) {
    MEND_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    std::vector<SqlValue> cells;
    const int n = st.columns();
    for (int c = 0; c < n; ++c) {
      if (st.is_null(c)) cells.emplace_back(std::monostate());
      else if (st.is_integer(c)) cells.emplace_back(st.i64(c));
      else cells.emplace_back(st.text(c));
    }
    out.rows.push_back(std::move(cells));
  }
  out.affected = conn_.changes();
  return out;
}

}  // namespace mend::sqlite
