#pragma once
// The audit log's hash chain, computed here in the store layer so every
// backend (and mendctl audit verify, which re-computes it from exported
// records) agrees byte for byte.
//
// hash = hex(SHA-256(prev_hash, then each field as "<length>:<bytes>", in the
// order seq, at_ms, actor, actor_kind, auth_method, remote, action, target,
// summary, outcome)). Length prefixes keep "ab"+"c" and "a"+"bc" apart.
#include <string>
#include <string_view>
#include <vector>

#include "store/auth_model.hpp"

namespace mend {

std::string audit_record_hash(const AuditRecord& record);  // uses record.prev_hash
std::string sha256_hex(std::string_view data);

struct AuditBreak {
  int64_t seq = 0;  // the record where the chain breaks
  std::string problem;
};

// Checks records in seq order (oldest first) that continue from `head`'s
// pruned point: each hash recomputes, each prev_hash is the previous record's
// hash, seqs have no gaps, and the last one is head.last_seq / last_hash.
// Returns every break found (empty: intact).
std::vector<AuditBreak> verify_audit_chain(const std::vector<AuditRecord>& records, const AuditHead& head);

}  // namespace mend
