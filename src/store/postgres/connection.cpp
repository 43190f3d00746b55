#include "store/postgres/connection.hpp"

#include <spdlog/spdlog.h>

#include <cstring>
#include <map>
#include <optional>

#include "common/strings.hpp"

namespace mend::pg {

namespace {

// Type OIDs from PostgreSQL's pg_type.h (stable across versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;

int64_t read_be(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  // Sign-extend from n bytes.
  if (n < 8 && (v & (uint64_t{1} << (n * 8 - 1))) != 0) v |= ~uint64_t{0} << (n * 8);
  return static_cast<int64_t>(v);
}

ErrorCode classify(std::string_view sqlstate) {
  if (sqlstate == "23503") return ErrorCode::not_found;         // foreign_key_violation
  if (starts_with(sqlstate, "23")) return ErrorCode::conflict;  // other integrity violations
  // serialization_failure and deadlock: the Store runs the transaction again,
  // and reports unavailable if it keeps failing.
  if (is_retryable_sqlstate(sqlstate)) return ErrorCode::unavailable;
  // Connection exceptions, insufficient resources, operator intervention
  // (shutdown, crash recovery): the database is not there right now.
  if (starts_with(sqlstate, "08") || starts_with(sqlstate, "53") || starts_with(sqlstate, "57P"))
    return ErrorCode::unavailable;
  // Text the database cannot hold: NUL bytes or invalid UTF-8 in a text
  // column, a value too long.
  if (sqlstate == "22021" || sqlstate == "22P05" || sqlstate == "22001" || sqlstate == "54000")
    return ErrorCode::invalid_input;
  return ErrorCode::internal;
}

std::string scrub(std::string msg, const std::string& password) {
  if (!password.empty()) msg = replace_all(msg, password, "***");
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  // libpq's messages run over several indented lines; ours go into one JSON
  // "err" string and one log line.
  msg = replace_all(replace_all(msg, "\n\t", " "), "\n", " ");
  return msg;
}

void log_notice(void*, const char* message) {
  // libpq prints notices ("relation already exists, skipping") to stderr by
  // default; they are routine here.
  spdlog::debug("postgres: {}", scrub(message, ""));
}

// The options a connection string sets, by keyword; nullopt when libpq
// cannot parse it. Its error message is dropped: it may quote the password.
using ConninfoOptions = std::map<std::string, std::string, std::less<>>;
std::optional<ConninfoOptions> parse_conninfo(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts == nullptr) {
    PQfreemem(err);
    return std::nullopt;
  }
  ConninfoOptions out;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o)
    if (o->val != nullptr) out.emplace(o->keyword, o->val);
  PQconninfoFree(opts);
  return out;
}

std::string option(const ConninfoOptions& opts, std::string_view keyword) {
  auto it = opts.find(keyword);
  return it == opts.end() ? std::string() : it->second;
}

}  // namespace

bool is_retryable_sqlstate(std::string_view sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01";
}

std::string describe_conninfo(const std::string& conninfo) {
  auto opts = parse_conninfo(conninfo);
  if (!opts) return {};
  std::string user = option(*opts, "user");
  std::string host = option(*opts, "host");
  if (host.empty()) host = option(*opts, "hostaddr");
  std::string port = option(*opts, "port");
  std::string db = option(*opts, "dbname");
  std::string out;
  if (!user.empty()) out += user + "@";
  out += host.empty() ? "localhost" : host;
  if (!port.empty()) out += ":" + port;
  out += "/" + (db.empty() ? std::string("(default)") : db);
  return out;
}

std::string conninfo_password(const std::string& conninfo) {
  auto opts = parse_conninfo(conninfo);
  return opts ? option(*opts, "password") : std::string();
}

Result<int64_t> returned_id(const Rows& rows, const char* table) {
  if (rows.empty()) return make_error(ErrorCode::internal, std::string("insert into ") + table + " returned no id");
  return rows.i64(0, 0);
}

Params& Params::add(int64_t value) {
  owned_.push_back(std::to_string(value));
  values_.push_back(owned_.back().c_str());
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

Params& Params::add(std::string_view value) {
  // A null pointer would mean SQL NULL; every column here is NOT NULL.
  values_.push_back(value.data() != nullptr ? value.data() : "");
  lengths_.push_back(static_cast<int>(value.size()));
  formats_.push_back(1);
  return *this;
}

Params& Params::add_literal(std::string literal) {
  if (literal.find('\0') != std::string::npos) nul_in_literal_ = true;
  owned_.push_back(std::move(literal));
  values_.push_back(owned_.back().c_str());
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

Params& Params::add_array(const std::vector<std::string>& values) {
  // Every element quoted, so no element is read as NULL or split at a comma.
  std::string lit = "{";
  for (const std::string& v : values) {
    if (lit.size() > 1) lit += ',';
    lit += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') lit += '\\';
      lit += c;
    }
    lit += '"';
  }
  lit += '}';
  return add_literal(std::move(lit));
}

Params& Params::add_array(const std::vector<int64_t>& values) {
  std::string lit = "{";
  for (int64_t v : values) {
    if (lit.size() > 1) lit += ',';
    lit += std::to_string(v);
  }
  lit += '}';
  return add_literal(std::move(lit));
}

int64_t Rows::affected() const {
  const char* n = PQcmdTuples(res_.get());
  return (n == nullptr || *n == '\0') ? 0 : std::stoll(n);
}

int64_t Rows::i64(int row, int col) const {
  if (is_null(row, col)) return 0;
  const char* p = PQgetvalue(res_.get(), row, col);
  int len = PQgetlength(res_.get(), row, col);
  Oid type = PQftype(res_.get(), col);
  if ((type == kInt8Oid && len == 8) || (type == kInt4Oid && len == 4) ||
      (type == kInt2Oid && len == 2) || (type == kBoolOid && len == 1)) {
    return read_be(p, len);
  }
  // A query reading a non-integer column as an integer is a bug in this backend.
  spdlog::critical("postgres: column {} has type oid {} ({} bytes), not an integer", col, type,
                   len);
  std::abort();
}

bool Rows::is_integer(int col) const {
  Oid type = PQftype(res_.get(), col);
  return type == kInt8Oid || type == kInt4Oid || type == kInt2Oid || type == kBoolOid;
}

std::string Rows::text(int row, int col) const {
  if (is_null(row, col)) return {};
  return std::string(PQgetvalue(res_.get(), row, col),
                     static_cast<size_t>(PQgetlength(res_.get(), row, col)));
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& conninfo,
                                                     std::string where) {
  auto opts = parse_conninfo(conninfo);
  if (!opts) {
    return make_error(ErrorCode::invalid_input,
                      "cannot parse the PostgreSQL connection string (expected "
                      "postgresql://user:pass@host:port/db or key=value pairs)");
  }
  // Defaults that the caller's string may override: a bounded connect, TCP
  // keepalives that notice a vanished server within about half a minute
  // rather than the kernel's two hours, and a name in pg_stat_activity.
  std::vector<const char*> keys;
  std::vector<const char*> vals;
  auto set_default = [&](const char* key, const char* value) {
    if (option(*opts, key).empty()) {
      keys.push_back(key);
      vals.push_back(value);
    }
  };
  set_default("connect_timeout", "5");
  set_default("keepalives_idle", "10");
  set_default("keepalives_interval", "5");
  set_default("keepalives_count", "3");
  set_default("application_name", "mend");
  // expand_dbname: the first "dbname" value is the whole string or URI.
  keys.insert(keys.begin(), "dbname");
  vals.insert(vals.begin(), conninfo.c_str());
  keys.push_back(nullptr);
  vals.push_back(nullptr);

  PGconn* conn = PQconnectdbParams(keys.data(), vals.data(), 1);
  if (conn == nullptr) return make_error(ErrorCode::unavailable, "postgres: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = scrub(PQerrorMessage(conn), conninfo_password(conninfo));
    PQfinish(conn);
    return make_error(ErrorCode::unavailable, "cannot connect to PostgreSQL " + where + ": " + msg);
  }
  PQsetNoticeProcessor(conn, &log_notice, nullptr);
  return std::unique_ptr<Connection>(new Connection(conn, std::move(where)));
}

Connection::~Connection() { PQfinish(conn_); }

Result<Rows> Connection::exec(std::string_view sql, const Params& params, Plan plan) {
  if (params.nul_in_literal_) {
    return make_error(ErrorCode::invalid_input,
                      "a value holds a NUL byte, which PostgreSQL text "
                      "cannot store");
  }
  PGresult* res = nullptr;
  if (plan == Plan::per_run) {
    std::string text(sql);
    // Parameter types are left to the server to infer from the statement.
    res = PQexecParams(conn_, text.c_str(), params.size(), nullptr, params.values_.data(), params.lengths_.data(),
                       params.formats_.data(), 1);
  } else {
    auto it = prepared_.find(std::string(sql));
    if (it == prepared_.end()) {
      std::string name = "mend_" + std::to_string(prepared_.size() + 1);
      std::string text(sql);
      PGresult* prepared = PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr);
      if (prepared == nullptr || PQresultStatus(prepared) != PGRES_COMMAND_OK) return fail(prepared, sql);
      PQclear(prepared);
      it = prepared_.emplace(std::move(text), std::move(name)).first;
    }
    res = PQexecPrepared(conn_, it->second.c_str(), params.size(), params.values_.data(), params.lengths_.data(),
                         params.formats_.data(), 1);
  }
  ExecStatusType status = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return fail(res, sql);
  return Rows(res);
}

Result<void> Connection::exec_script(std::string_view sql) {
  std::string text(sql);
  PGresult* res = PQexec(conn_, text.c_str());
  ExecStatusType status = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return fail(res, sql);
  PQclear(res);
  return ok();
}

Result<std::vector<std::string>> Connection::take_notifications(std::string_view channel) {
  if (PQconsumeInput(conn_) == 0 || lost()) {
    last_error_ = scrub(PQerrorMessage(conn_), "");
    return make_error(ErrorCode::unavailable, "lost the connection to PostgreSQL " + where_ + ": " + last_error_);
  }
  std::vector<std::string> out;
  while (PGnotify* n = PQnotifies(conn_)) {
    if (n->relname != nullptr && channel == n->relname && n->extra != nullptr) out.emplace_back(n->extra);
    PQfreemem(n);
  }
  return out;
}

Error Connection::fail(PGresult* res, std::string_view sql) {
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = res != nullptr ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  last_sqlstate_ = state != nullptr ? state : "";
  last_error_ = scrub(primary != nullptr ? primary : PQerrorMessage(conn_), "");
  PQclear(res);
  if (lost()) {
    return make_error(ErrorCode::unavailable,
                      "lost the connection to PostgreSQL " + where_ + ": " + last_error_);
  }
  std::string msg = "postgres: " + last_error_ + " (in: " + std::string(sql.substr(0, 200)) + ")";
  return make_error(classify(last_sqlstate_), msg);
}

}  // namespace mend::pg
