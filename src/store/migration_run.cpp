#include "store/migration_run.hpp"

#include <string>

namespace mend {

Result<void> apply_pending_migrations(int current, const std::function<Result<void>(const Migration&)>& apply) {
  const int latest = latest_schema_version();
  if (current > latest) {
    // An older binary on a newer schema could corrupt data it does not know:
    // the operator must upgrade Mend instead.
    return make_error(ErrorCode::unavailable, "database schema version " + std::to_string(current) +
                                                  " is newer than this Mend supports (" + std::to_string(latest) +
                                                  "); upgrade Mend to open it");
  }
  for (const Migration& m : schema_migrations()) {
    if (m.version > current) MEND_TRY(apply(m));
  }
  return ok();
}

Error migration_failed(const Migration& m, const Error& why) {
  return make_error(ErrorCode::unavailable, "schema migration " + std::to_string(m.version) + " (" +
                                                std::string(m.name) + ") failed: " + why.message);
}

}  // namespace mend
