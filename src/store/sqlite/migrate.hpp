#pragma once
// Applies the pending schema migrations (store/schema.hpp) to an SQLite
// database, each version in its own transaction.
#include <cstdint>

#include "common/result.hpp"
#include "store/sqlite/connection.hpp"

namespace mend::sqlite {

// Brings the database to latest_schema_version(). A no-op when it is there
// already. Errors: unavailable when the database was written by a newer Mend
// (its schema version is above ours) or a migration fails; the failed version
// leaves nothing behind.
Result<void> migrate(Connection& conn, int64_t now_ms);

// The highest applied version, 0 for a fresh database.
Result<int> schema_version(Connection& conn);

}  // namespace mend::sqlite
