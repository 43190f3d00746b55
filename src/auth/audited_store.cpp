#include "auth/audited_store.hpp"

#include "common/log.hpp"

namespace mend::auth {

void AuditTrail::begin(AuditRecord record) {
  pending_ = std::move(record);
  written_ = false;
}

Result<void> AuditTrail::append_in(StoreTx& tx) {
  if (!pending_ || written_) return ok();
  AuditRecord r = *pending_;
  if (r.outcome.empty()) r.outcome = "ok";
  MEND_TRY(tx.append_audit(std::move(r)));
  return ok();
}

Result<void> AuditTrail::finish(Store& store, const std::string& outcome) {
  if (!pending_) return ok();
  AuditRecord r = std::move(*pending_);
  pending_.reset();
  if (written_) return ok();
  if (r.outcome.empty()) r.outcome = outcome;
  auto done = store.transact([&](StoreTx& tx) -> Result<void> {
    MEND_TRY(tx.append_audit(r));
    return ok();
  });
  if (!done.ok()) spdlog::error("audit record for {} {} not written: {}", r.action, r.target, done.error().message);
  return done;
}

Result<void> AuditedStore::transact(const TxFn& fn) {
  if (!trail_.active()) return inner_.transact(fn);
  // fn may run more than once (a retried transaction): the record is appended
  // in each attempt, and kept only by the one that commits.
  MEND_TRY(inner_.transact([&](StoreTx& tx) -> Result<void> {
    MEND_TRY(fn(tx));
    return trail_.append_in(tx);
  }));
  trail_.committed();
  return ok();
}

}  // namespace mend::auth
