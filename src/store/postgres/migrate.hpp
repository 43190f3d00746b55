#pragma once
// Applies the pending schema migrations (store/schema.hpp) to a PostgreSQL
// database, each version in its own transaction (PostgreSQL's DDL is
// transactional, so a failed version leaves nothing behind).
#include <cstdint>

#include "common/result.hpp"
#include "store/postgres/connection.hpp"

namespace mend::pg {

// Brings the database to latest_schema_version(); a no-op when it is there.
// Holds a session advisory lock throughout, so servers starting together on
// one database migrate once: the others wait, then find nothing to do.
// Errors: unavailable when the schema is newer than ours or a migration fails.
Result<void> migrate(Connection& conn, int64_t now_ms);

// The highest applied version, 0 for a fresh database.
Result<int> schema_version(Connection& conn);

}  // namespace mend::pg
