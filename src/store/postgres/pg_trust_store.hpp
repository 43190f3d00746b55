#pragma once
#include <memory>
#include <string>

#include "common/result.hpp"
#include "store/trust_store.hpp"

namespace mend {

// TrustStore on its own PostgreSQL connection (reopened when lost), so a
// server holds three connections in all.
Result<std::unique_ptr<TrustStore>> open_pg_trust_store(const std::string& conninfo);

}  // namespace mend
