#include "store/sqlite/sqlite_store.hpp"

#include "common/clock.hpp"
#include "common/log.hpp"
#include "store/sqlite/file_mode.hpp"
#include "store/sqlite/migrate.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace mend {

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                       const sqlite::ConnectionOptions& options) {
  for (const auto& line : sqlite::wider_than_private(path)) spdlog::warn("{}", line);
  MEND_TRY(sqlite::create_private_file(path));
  MEND_ASSIGN_OR_RETURN(auto conn, sqlite::Connection::open(path, options));
  MEND_TRY(sqlite::migrate(*conn, SystemClock().now_ms()));
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(conn)));
}

Result<void> SqliteStore::transact(const TxFn& fn) { return run(fn, true); }

Result<void> SqliteStore::read(const TxFn& fn) { return run(fn, false); }

Result<void> SqliteStore::run(const TxFn& fn, bool write) {
  // A nested call would silently join the outer transaction's fate.
  if (conn_->in_transaction())
    return make_error(ErrorCode::internal, "store transaction started inside another");
  {
    MEND_ASSIGN_OR_RETURN(auto begin, conn_->prepare(write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"));
    MEND_TRY(begin.run());
  }
  conn_->set_read_only(!write);
  Result<void> result;
  try {
    sqlite::SqliteTx tx(*conn_);
    result = fn(tx);
  } catch (...) {
    conn_->set_read_only(false);
    rollback();
    throw;
  }
  conn_->set_read_only(false);
  if (result.ok() && write) {
    {
      MEND_ASSIGN_OR_RETURN(auto commit, conn_->prepare("COMMIT"));
      result = commit.run();
    }
    if (result.ok()) return ok();
  }
  // A read ends with ROLLBACK too: it has nothing to keep.
  rollback();
  return result;
}

void SqliteStore::rollback() {
  // Some errors (I/O, full disk) make SQLite roll back on its own; a second
  // ROLLBACK would only fail.
  if (!conn_->in_transaction()) return;
  auto st = conn_->prepare("ROLLBACK");
  auto done = st.ok() ? st->run() : Result<void>(st.error());
  if (!done.ok()) {
    // Continuing on a connection stuck inside a transaction would make every
    // later write part of it: crash loudly instead (see STYLE.md).
    spdlog::critical("store: ROLLBACK failed: {}", done.error().message);
    std::abort();
  }
}

}  // namespace mend
