#pragma once
#include <memory>
#include <string>

#include "common/result.hpp"
#include "store/trust_store.hpp"

namespace mend {

// TrustStore on its own connection to the SQLite file at `path`.
Result<std::unique_ptr<TrustStore>> open_sqlite_trust_store(const std::string& path);

}  // namespace mend
