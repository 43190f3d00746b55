#include "common/strings.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

namespace mend {

Result<std::unique_ptr<Store>> open_store(const std::string& url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (starts_with(url, kSqlite)) {
    std::string path = url.substr(kSqlite.size());
    if (path.empty()) {
      return make_error(ErrorCode::invalid_input,
                        "store URL 'sqlite:' needs a path, e.g. sqlite:/var/lib/mend/mend.db");
    }
    MEND_ASSIGN_OR_RETURN(auto store, SqliteStore::open(path));
    return std::unique_ptr<Store>(std::move(store));
  }
  // libpq parses the whole URI (user, password, host list, query options);
  // PgStore's messages name the database without the password.
  if (starts_with(url, "postgresql://") || starts_with(url, "postgres://")) {
    MEND_ASSIGN_OR_RETURN(auto store, PgStore::open(url));
    return std::unique_ptr<Store>(std::move(store));
  }
  // Only the scheme goes into messages: the rest of a database URL may hold a
  // password, and these messages end up in logs.
  // A scheme is letters, digits, + - . before a ':'; anything else (a libpq
  // key=value string, a bare path) is not echoed, since it may hold a password.
  size_t colon = url.find(':');
  std::string scheme = colon == std::string::npos ? "" : url.substr(0, colon);
  bool plausible = !scheme.empty() && scheme.size() <= 32 &&
                   scheme.find_first_not_of(
                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789+-.") == std::string::npos;
  return make_error(
      ErrorCode::invalid_input,
      (plausible ? "unknown store URL scheme '" + scheme + "'" : "store URL has no scheme") +
          "; expected sqlite:PATH (e.g. sqlite:/var/lib/mend/mend.db) or "
          "postgresql://USER:PASSWORD@HOST:PORT/DB");
}

bool store_url_is_shared(const std::string& url) { return url != "sqlite::memory:"; }

}  // namespace mend
