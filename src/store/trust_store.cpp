#include "store/trust_store.hpp"

#include "common/strings.hpp"
#include "store/postgres/pg_trust_store.hpp"
#include "store/sqlite/sqlite_trust_store.hpp"

namespace mend {

Result<std::unique_ptr<TrustStore>> open_trust_store(const std::string& url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (starts_with(url, kSqlite)) return open_sqlite_trust_store(url.substr(kSqlite.size()));
  // open_store took everything else for PostgreSQL (or refused it).
  return open_pg_trust_store(url);
}

}  // namespace mend
