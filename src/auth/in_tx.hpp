#pragma once
// Accounts and host groups read and write the store through this.
#include <functional>
#include <optional>

#include "common/result.hpp"
#include "store/store.hpp"

namespace mend::auth {

// Runs `fn` in a write transaction (`write`) or a read-only snapshot and
// returns what it returned; fn may run more than once (Store::transact).
template <class T>
Result<T> in_tx(Store& store, bool write, const std::function<Result<T>(StoreTx&)>& fn) {
  std::optional<T> out;
  auto body = [&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(T v, fn(tx));
    out = std::move(v);
    return ok();
  };
  MEND_TRY(write ? store.transact(body) : store.read(body));
  return std::move(*out);
}

}  // namespace mend::auth
