#include "store/sqlite/connection.hpp"

#include <cassert>
#include <mutex>

namespace mend::sqlite {

namespace {

ErrorCode classify(int rc) {
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return ErrorCode::not_found;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_NOMEM:
      return ErrorCode::unavailable;
    case SQLITE_CONSTRAINT:
      return ErrorCode::conflict;
    default:
      return ErrorCode::internal;
  }
}

// SQLite counts every allocation under a process-wide mutex for
// sqlite3_memory_used(), which Mend never asks: the writer took that lock
// several times per row. Only possible before SQLite initializes, hence
// before the first connection; if something initialized it earlier the call
// fails and the counting stays, which costs only time.
void stop_counting_memory() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path,
                                                     const ConnectionOptions& options) {
  stop_counting_memory();
  sqlite3* db = nullptr;
  // NOMUTEX: the store is used from one thread at a time, so SQLite's own
  // locking would only cost time. EXRESCODE: extended codes tell a foreign
  // key failure from a unique one.
  int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "sqlite: cannot open '" + path +
                      "': " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return make_error(ErrorCode::unavailable, msg);
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  // WAL lets readers run beside the writer; FULL syncs the WAL on every commit
  // so an acknowledged result survives power loss (invariant 2).
  auto configured = conn->exec_script(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  if (!configured.ok()) {
    return make_error(ErrorCode::unavailable,
                      "sqlite: cannot configure '" + path + "': " + configured.error().message);
  }
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) {
    assert(!cached.in_use && "a Statement outlived its Connection");
    sqlite3_finalize(cached.stmt);
  }
  sqlite3_close_v2(db_);
}

Result<Statement> Connection::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) return error(rc, sql);
    // One statement per call: anything after the first would silently not run.
    assert(tail == sql.data() + sql.size() && "prepare() takes exactly one statement");
    it = cache_.emplace(std::string(sql), Cached{stmt, false}).first;
  }
  Cached& cached = it->second;
  if (read_only_ && !sqlite3_stmt_readonly(cached.stmt)) {
    return make_error(ErrorCode::internal,
                      "sqlite: write inside a read-only transaction: " + std::string(sql));
  }
  // Two live uses of one statement would reset each other's bindings and rows.
  assert(!cached.in_use && "cached statement used twice at once");
  cached.in_use = true;
  return Statement(*this, cached.stmt, &cached.in_use);
}

Result<void> Connection::exec_script(std::string_view sql) {
  std::string text(sql);  // sqlite3_exec needs a NUL-terminated string
  char* errmsg = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &errmsg);
  if (rc == SQLITE_OK) return ok();
  std::string msg = errmsg != nullptr ? errmsg : sqlite3_errstr(rc);
  sqlite3_free(errmsg);
  return make_error(classify(rc), "sqlite: " + msg + " (in: " + text.substr(0, 200) + ")");
}

Error Connection::error(int rc, std::string_view context) const {
  std::string msg = "sqlite: ";
  msg += sqlite3_errmsg(db_);
  if ((rc & 0xff) == SQLITE_BUSY) msg = "database is busy (sqlite: " + msg.substr(8) + ")";
  msg += " (in: ";
  msg += context.substr(0, 200);
  msg += ")";
  return make_error(classify(rc), msg);
}

}  // namespace mend::sqlite
