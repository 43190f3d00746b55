// StoreTx::query on PostgreSQL: the statement as written, its parameters typed
// by the casts in its text.
#include "store/postgres/pg_tx.hpp"

namespace mend::pg {

Result<SqlRows> PgTx::query(std::string_view sql, const std::vector<SqlValue>& params) {
  Params p;
  for (const auto& v : params) {
    if (const auto* i = std::get_if<int64_t>(&v)) p.add(*i);
    else if (const auto* s = std::get_if<std::string>(&v)) p.add(std::string_view(*s));
    else p.add(std::string_view());
  }
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec(sql, p));
  SqlRows out;
  const int n = rows.columns();
  for (int r = 0; r < rows.size(); ++r) {
    std::vector<SqlValue> cells;
    for (int c = 0; c < n; ++c) {
      if (rows.is_null(r, c)) cells.emplace_back(std::monostate());
      else if (rows.is_integer(c)) cells.emplace_back(rows.i64(r, c));
      else cells.emplace_back(rows.text(r, c));
    }
    out.rows.push_back(std::move(cells));
  }
  out.affected = rows.affected();
  return out;
}

}  // namespace mend::pg
