#pragma once
// One SQLite connection with its cache of prepared statements, and the one
// place SQLite result codes become mend::Error codes.
//
// Threading: one thread at a time (the connection is opened without SQLite's
// own mutexes). Statements handed out must not outlive the connection.
#include <sqlite3.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.hpp"
#include "store/sqlite/statement.hpp"

namespace mend::sqlite {

struct ConnectionOptions {
  // How long a writer waits for another connection's write lock before the
  // store reports unavailable.
  int busy_timeout_ms = 5000;
};

class Connection {
 public:
  // Opens (creating if needed) the database at `path` (":memory:" allowed) in
  // WAL mode with synchronous=FULL and foreign keys on.
  // Errors: unavailable when the file cannot be opened or configured.
  static Result<std::unique_ptr<Connection>> open(const std::string& path,
                                                  const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A cached prepared statement for `sql` (one statement, `?` parameters).
  // The same SQL may not be in use twice at once.
  Result<Statement> prepare(std::string_view sql);
  // Runs statements without parameters and without caching (DDL, pragmas).
  Result<void> exec_script(std::string_view sql);

  // While set, prepare() refuses statements that would write: Store::read
  // promises a read-only snapshot.
  void set_read_only(bool read_only) { read_only_ = read_only; }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t changes() const { return sqlite3_changes64(db_); }
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

  // Maps an SQLite result code to an Error whose code says what to do:
  // busy/locked and I/O trouble -> unavailable, a missing referenced row ->
  // not_found, other constraint failures -> conflict, the rest -> internal.
  Error error(int rc, std::string_view context) const;

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  // Transparent, so a lookup by string_view does not allocate a key.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };

  sqlite3* db_;
  bool read_only_ = false;
  std::unordered_map<std::string, Cached, SqlHash, std::equal_to<>> cache_;
};

}  // namespace mend::sqlite
