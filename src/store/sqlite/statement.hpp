#pragma once
// One use of a cached prepared statement: bind parameters in order, step,
// read columns. Resets the statement on destruction so the cache hands it out
// clean next time. Lives only as long as the call that made it.
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mend::sqlite {

class Connection;

class Statement {
 public:
  // in_use is the cache's flag for this statement; cleared on destruction.
  Statement(Connection& conn, sqlite3_stmt* stmt, bool* in_use);
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Binds the next `?`. Binding errors surface from step()/run().
  Statement& bind(int64_t value);
  Statement& bind(std::string_view value);

  // true while a row is available.
  Result<bool> step();
  // Runs to completion, ignoring any rows.
  Result<void> run();
  // Clears rows and bindings to run the statement again with new parameters.
  void reset();

  int64_t i64(int col) const { return sqlite3_column_int64(stmt_, col); }
  int i32(int col) const { return sqlite3_column_int(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  bool is_integer(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_INTEGER; }
  int columns() const { return sqlite3_column_count(stmt_); }
  // Text as stored, byte for byte (embedded NULs included); "" for NULL.
  std::string text(int col) const;

 private:
  Connection* conn_;
  sqlite3_stmt* stmt_;
  bool* in_use_;
  int next_param_ = 1;
  int bind_rc_ = SQLITE_OK;
};

}  // namespace mend::sqlite
