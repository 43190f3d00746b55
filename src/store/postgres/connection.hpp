#pragma once
// One libpq connection with its named prepared statements, and the one place
// PostgreSQL errors (SQLSTATE) become mend::Error codes.
//
// Every statement is prepared once per connection (PQprepare, named by the
// cache) and run with bound parameters (PQexecPrepared); values are never
// pasted into SQL. Results come back in binary format: integers are decoded
// by column type, text and bytea columns are raw bytes.
//
// Threading: one thread at a time. Rows must not outlive their use; they own
// their PGresult and do not refer back to the connection.
#include <libpq-fe.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"

namespace mend::pg {

// The parameters of one statement, in order ($1, $2...). String views must
// stay valid until the statement has run.
class Params {
 public:
  // Sent as decimal text; the server converts to the parameter's type.
  Params& add(int64_t value);
  // Sent in binary format: the bytes as they are, for a text or bytea
  // parameter. A text parameter with a NUL or invalid UTF-8 is refused by the
  // server (invalid_input); a bytea one keeps every byte.
  Params& add(std::string_view value);
  Params& add(const std::string& value) { return add(std::string_view(value)); }
  Params& add(const char* value) { return add(std::string_view(value)); }
  // Arrays, for a `$n::text[]` / `$n::bigint[]` parameter: one parameter for
  // many rows (unnest) instead of one statement per row. Sent as an array
  // literal; a text element holding a NUL byte is refused (invalid_input).
  Params& add_array(const std::vector<std::string>& values);
  Params& add_array(const std::vector<int64_t>& values);

  int size() const { return static_cast<int>(formats_.size()); }

 private:
  friend class Connection;
  std::deque<std::string> owned_;  // deque: adding keeps earlier addresses valid
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  bool nul_in_literal_ = false;

  Params& add_literal(std::string literal);
};

// The rows of one statement.
class Rows {
 public:
  explicit Rows(PGresult* res) : res_(res, &PQclear) {}
  int size() const { return PQntuples(res_.get()); }
  bool empty() const { return size() == 0; }
  // Rows changed by an INSERT/UPDATE/DELETE.
  int64_t affected() const;
  bool is_null(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
  // An integer column (smallint, integer, bigint or boolean); 0 for NULL.
  int64_t i64(int row, int col) const;
  int i32(int row, int col) const { return static_cast<int>(i64(row, col)); }
  // A text or bytea column byte for byte; "" for NULL.
  std::string text(int row, int col) const;
  int columns() const { return PQnfields(res_.get()); }
  // Whether column `col` holds integers (read with i64) rather than text.
  bool is_integer(int col) const;

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> res_;
};

// The id an "INSERT INTO <table> ... RETURNING id" returned.
Result<int64_t> returned_id(const Rows& rows, const char* table);

class Connection {
 public:
  // Connects with a libpq connection string or URI. `where` describes the
  // database without secrets (see describe_conninfo) for error messages.
  // Errors: unavailable when the server cannot be reached or refuses us.
  static Result<std::unique_ptr<Connection>> open(const std::string& conninfo, std::string where);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // How a statement is planned. `cached`: prepared on first use on this
  // connection; after five runs PostgreSQL may keep one generic plan for
  // good, made from the tables' sizes at that moment. `per_run`: planned for
  // its values at every run (an unnamed statement), which costs the planning
  // each time but follows the tables as they grow. A lookup by a list of keys
  // wants per_run: on a new database the generic plan of
  // `dispatches WHERE id = ANY($1)` was a scan of the whole (then nearly
  // empty) table, and stayed one as the table grew (a 10,000-agent run spent
  // 21 ms a batch there and fell to 1,400 results/s).
  enum class Plan { cached, per_run };

  // Runs one statement.
  Result<Rows> exec(std::string_view sql, const Params& params, Plan plan = Plan::cached);
  Result<Rows> exec(std::string_view sql) { return exec(sql, Params()); }
  // Runs SQL without parameters and without preparing it (BEGIN, DDL).
  Result<void> exec_script(std::string_view sql);

  // For a connection that LISTENs: its socket (to wait on for readability),
  // and the payloads of the notifications on `channel` that have arrived,
  // reading what the socket holds without blocking. unavailable when the
  // connection is lost.
  int socket() const { return PQsocket(conn_); }
  Result<std::vector<std::string>> take_notifications(std::string_view channel);

  // The connection is gone (server restarted, network cut): drop it and open
  // a new one; every later call on this one fails.
  bool lost() const { return PQstatus(conn_) == CONNECTION_BAD; }
  PGTransactionStatusType transaction_status() const { return PQtransactionStatus(conn_); }
  // SQLSTATE of the last statement that failed, "" after clear_last_error().
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  const std::string& last_error() const { return last_error_; }
  void clear_last_error() {
    last_sqlstate_.clear();
    last_error_.clear();
  }
  const std::string& where() const { return where_; }

 private:
  Connection(PGconn* conn, std::string where) : conn_(conn), where_(std::move(where)) {}
  // Turns a failed result (or none: the connection broke) into an Error and
  // remembers it; takes ownership of res.
  Error fail(PGresult* res, std::string_view sql);

  PGconn* conn_;
  std::string where_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  std::string last_sqlstate_;
  std::string last_error_;
};

// "user@host:port/dbname" from a connection string or URI, never the password;
// "" when it does not parse.
std::string describe_conninfo(const std::string& conninfo);
// The password in a connection string or URI, "" when there is none; used
// only to scrub it from messages.
std::string conninfo_password(const std::string& conninfo);

// The SQLSTATEs after which running the whole transaction again may succeed.
bool is_retryable_sqlstate(std::string_view sqlstate);

}  // namespace mend::pg
