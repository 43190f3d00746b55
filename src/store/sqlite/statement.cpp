#include "store/sqlite/statement.hpp"

#include "store/sqlite/connection.hpp"

namespace mend::sqlite {

Statement::Statement(Connection& conn, sqlite3_stmt* stmt, bool* in_use)
    : conn_(&conn), stmt_(stmt), in_use_(in_use) {}

Statement::Statement(Statement&& other) noexcept
    : conn_(other.conn_),
      stmt_(other.stmt_),
      in_use_(other.in_use_),
      next_param_(other.next_param_),
      bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (in_use_ != nullptr) *in_use_ = false;
}

Statement& Statement::bind(int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, next_param_++, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind(std::string_view value) {
  // An empty string_view may have a null data pointer, which SQLite would
  // store as NULL; every text column is NOT NULL, so point at "" instead.
  const char* data = value.data() != nullptr ? value.data() : "";
  int rc =
      sqlite3_bind_text64(stmt_, next_param_++, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Result<bool> Statement::step() {
  if (bind_rc_ != SQLITE_OK) return conn_->error(bind_rc_, sqlite3_sql(stmt_));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_->error(rc, sqlite3_sql(stmt_));
}

Result<void> Statement::run() {
  for (;;) {
    MEND_ASSIGN_OR_RETURN(bool row, step());
    if (!row) return ok();
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  next_param_ = 1;
  bind_rc_ = SQLITE_OK;
}

std::string Statement::text(int col) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_blob(stmt_, col));
  int size = sqlite3_column_bytes(stmt_, col);
  if (data == nullptr) return {};
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace mend::sqlite
