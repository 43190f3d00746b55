#pragma once
// Row readers shared by the SQLite StoreTx files. Column order:
//   host:     task_id, seq, host, status, stdout, stderr, dispatch_id, dispatched_ms, updated_ms
//   dispatch: id, task_id, host, attempt, created_ms, started_ms, finished_ms, result, kill_requested
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/model.hpp"
#include "store/sqlite/statement.hpp"

namespace mend::sqlite {

Result<HostRun> read_host(const Statement& st);
Dispatch read_dispatch(const Statement& st);

namespace rows_detail {
template <class T>
struct Value {
  using type = T;
  static constexpr bool fallible = false;
};
template <class T>
struct Value<Result<T>> {
  using type = T;
  static constexpr bool fallible = true;
};
}  // namespace rows_detail

// Steps `st` through all its rows, reading each with `read(st)`, which returns
// the row or a Result of it. Errors: the first failed step or read.
template <class Read>
auto read_all(Statement& st, Read read)
    -> Result<std::vector<typename rows_detail::Value<std::invoke_result_t<Read&, const Statement&>>::type>> {
  using Got = rows_detail::Value<std::invoke_result_t<Read&, const Statement&>>;
  std::vector<typename Got::type> out;
  for (;;) {
    MEND_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return out;
    if constexpr (Got::fallible) {
      MEND_ASSIGN_OR_RETURN(auto value, read(st));
      out.push_back(std::move(value));
    } else {
      out.push_back(read(st));
    }
  }
}

// Steps `st` once: `read(st)` on its first row, or nothing when it has none
// (a lookup by key).
template <class Read>
auto read_first(Statement& st, Read read) -> Result<std::optional<std::invoke_result_t<Read&, const Statement&>>> {
  using Row = std::invoke_result_t<Read&, const Statement&>;
  MEND_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<Row>();
  return std::optional<Row>(read(st));
}

// Runs an "INSERT INTO <table> ... RETURNING id" statement; returns the id.
inline Result<int64_t> returned_id(Statement& st, const char* table) {
  MEND_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return make_error(ErrorCode::internal, std::string("insert into ") + table + " returned no id");
  int64_t id = st.i64(0);
  MEND_TRY(st.run());
  return id;
}

}  // namespace mend::sqlite
