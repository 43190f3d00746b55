#pragma once
// The audit log (audit.read), under /api/v1:
//   GET /audit          ?actor&action (exact, or a prefix ending in '.')&target&outcome
//                       &since&until (ms or RFC 3339)&before_seq&limit (1-1000, default 100); newest first,
//                       with "next_before_seq" for the next page
//   GET /audit/export   ?after_seq&limit (default 10000): JSON lines, oldest first
//   GET /audit/verify   recomputes the whole chain: {"records", "head", "pruned_seq", "breaks": [...]}
#include <nlohmann/json.hpp>

#include "api/api_context.hpp"
#include "api/router.hpp"

namespace mend {

void add_audit_routes(Router& router, ApiContext& ctx);

nlohmann::json audit_json(const AuditRecord& r);

}  // namespace mend
