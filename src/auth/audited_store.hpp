#pragma once
// The audit record of an API request is written by the same transaction as
// the change it records. Rather than every handler, engine call and service
// passing a record down, the server's Store is wrapped: while a request is
// being audited (AuditTrail::begin), the first write transaction that commits
// also appends its record; later ones append nothing. A request whose handler
// changed nothing (refused, invalid, failed) gets its record afterwards on its
// own (AuditTrail::finish).
//
// Sound because handlers run to completion on the server's one io_context
// thread: no other transaction runs between begin and finish. Background work
// (engine ticks, agent reports) runs outside any request and is not wrapped.
#include <optional>

#include "store/store.hpp"

namespace mend::auth {

class AuditTrail {
 public:
  // Starts auditing a request; `record` has everything but seq and hashes.
  void begin(AuditRecord record);
  // The record being written, for a handler that knows more (who signs in);
  // null outside a request.
  AuditRecord* pending() { return pending_ ? &*pending_ : nullptr; }
  bool active() const { return pending_.has_value(); }
  // Called by AuditedStore inside a write transaction: appends the record
  // if this request has not written it yet.
  Result<void> append_in(StoreTx& tx);
  void committed() { written_ = true; }
  // Ends the request: when no transaction carried the record, writes it now
  // with `outcome`, in its own transaction. Returns what happened to it.
  Result<void> finish(Store& store, const std::string& outcome);

 private:
  std::optional<AuditRecord> pending_;
  bool in_tx_ = false;
  bool written_ = false;
};

class AuditedStore final : public Store {
 public:
  AuditedStore(Store& inner, AuditTrail& trail) : inner_(inner), trail_(trail) {}
  Result<void> transact(const TxFn& fn) override;
  Result<void> read(const TxFn& fn) override { return inner_.read(fn); }
  std::unique_ptr<DispatchFeed> open_dispatch_feed() override { return inner_.open_dispatch_feed(); }
  Store& inner() { return inner_; }

 private:
  Store& inner_;
  AuditTrail& trail_;
};

}  // namespace mend::auth
