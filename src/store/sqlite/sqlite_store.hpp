#pragma once
// The SQLite backend of Store: one file (or ":memory:"), WAL mode.
//
// transact() runs BEGIN IMMEDIATE, so a write transaction holds the write lock
// from its first statement and never fails half-way on a lock upgrade; read()
// runs BEGIN DEFERRED, a snapshot that writers do not block.
//
// Threading: one thread at a time, as Store says. Several SqliteStore objects
// (or processes) may share a file; a writer waits up to busy_timeout_ms for
// another's lock, then transact() returns unavailable.
#include <memory>
#include <string>

#include "store/sqlite/connection.hpp"
#include "store/store.hpp"

namespace mend {

class SqliteStore final : public Store {
 public:
  // Opens the database and applies pending migrations.
  // Errors: unavailable (cannot open, cannot migrate, schema newer than ours).
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                   const sqlite::ConnectionOptions& options = {});

  Result<void> transact(const TxFn& fn) override;
  Result<void> read(const TxFn& fn) override;

 private:
  explicit SqliteStore(std::unique_ptr<sqlite::Connection> conn) : conn_(std::move(conn)) {}
  Result<void> run(const TxFn& fn, bool write);
  void rollback();

  std::unique_ptr<sqlite::Connection> conn_;
};

}  // namespace mend
