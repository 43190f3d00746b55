#pragma once
// The part of opening a database that both backends share: refusing a schema
// newer than this binary, and applying the pending migrations in order. Each
// backend brings its own transaction and locking (`apply`).
#include <functional>

#include "common/result.hpp"
#include "store/schema.hpp"

namespace mend {

// With the database at schema version `current`: unavailable when it is newer
// than latest_schema_version(); otherwise applies every newer migration, in
// order, with `apply`, stopping at the first failure.
Result<void> apply_pending_migrations(int current, const std::function<Result<void>(const Migration&)>& apply);

// "schema migration N (name) failed: why", as an unavailable error.
Error migration_failed(const Migration& m, const Error& why);

}  // namespace mend
