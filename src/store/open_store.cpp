#include "common/strings.hpp"
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
  // Only the scheme goes into messages: the rest of a database URL may hold a
  // password, and these messages end up in logs.
  if (starts_with(url, "postgresql:") || starts_with(url, "postgres:")) {
    return make_error(ErrorCode::invalid_input,
                      "PostgreSQL store URLs are not supported yet; use sqlite:PATH");
  }
  std::string scheme = url.substr(0, url.find(':'));
  return make_error(ErrorCode::invalid_input, "unknown store URL scheme '" + scheme +
                                                  "'; expected sqlite:PATH "
                                                  "(e.g. sqlite:/var/lib/mend/mend.db)");
}

}  // namespace mend
