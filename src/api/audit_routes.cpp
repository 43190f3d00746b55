#include "api/audit_routes.hpp"

#include "api/envelope.hpp"
#include "api/query_params.hpp"
#include "api/read_answer.hpp"
#include "store/audit_chain.hpp"

namespace mend {

namespace {

using nlohmann::json;

Result<std::vector<AuditRecord>> read_audit(Store& store, const AuditQuery& q) {
  std::vector<AuditRecord> out;
  MEND_TRY(store.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(out, tx.list_audit(q));
    return ok();
  }));
  return out;
}

ApiResponse list(ApiContext& ctx, const ApiRequest& req) {
  AuditQuery q;
  q.actor = query_str(req, "actor");
  q.action = query_str(req, "action");
  q.target = query_str(req, "target");
  q.outcome = query_str(req, "outcome");
  auto page = query_page(req, "before_seq", 100, 1000);
  if (!page.ok()) return json_error(page.error());
  q.since_ms = page->since_ms;
  q.until_ms = page->until_ms;
  q.before_seq = page->before;
  q.limit = static_cast<int>(page->limit);
  return read_answer(ctx, [q](Store& store) {
    auto records = read_audit(store, q);
    if (!records.ok()) return json_error(records.error());
    json out = json::array();
    for (const auto& r : *records) out.push_back(audit_json(r));
    int64_t next = records->size() == static_cast<size_t>(q.limit) ? records->back().seq : 0;
    return json_ok(json{{"list", out}, {"next_before_seq", next}});
  });
}

ApiResponse export_lines(ApiContext& ctx, const ApiRequest& req) {
  AuditQuery q;
  auto after = query_int(req, "after_seq", 0);
  auto limit = query_int(req, "limit", 10000);
  if (!after.ok()) return json_error(after.error());
  if (!limit.ok()) return json_error(limit.error());
  if (*limit < 1 || *limit > 100000) return json_error(400, "limit must be between 1 and 100000");
  q.after_seq = *after;
  q.oldest_first = true;
  q.limit = static_cast<int>(*limit);
  return read_answer(ctx, [q](Store& store) {
    auto records = read_audit(store, q);
    if (!records.ok()) return json_error(records.error());
    std::string body;
    // The summary stays the exact text that was hashed, so anyone can
    // recompute the chain from an export (store/audit_chain.hpp says how).
    for (const auto& r : *records) {
      json j = audit_json(r);
      j["summary"] = r.summary;
      body += dump_json(j) + "\n";
    }
    return ApiResponse{200, "application/x-ndjson", std::move(body), {}};
  });
}

ApiResponse verify_chain(Store& store) {
  AuditHead head;
  std::vector<AuditRecord> all;
  // One snapshot, read in pages, so the records and the head agree.
  auto r = store.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(head, tx.audit_head());
    AuditQuery q;
    q.oldest_first = true;
    q.limit = 10000;
    for (;;) {
      MEND_ASSIGN_OR_RETURN(auto page, tx.list_audit(q));
      if (page.empty()) break;
      q.after_seq = page.back().seq;
      for (auto& x : page) all.push_back(std::move(x));
    }
    return ok();
  });
  if (!r.ok()) return json_error(r.error());
  json breaks = json::array();
  for (const auto& b : verify_audit_chain(all, head)) breaks.push_back(json{{"seq", b.seq}, {"problem", b.problem}});
  return json_ok(json{{"records", all.size()}, {"head", head.last_seq}, {"pruned_seq", head.pruned_seq},
                      {"intact", breaks.empty()}, {"breaks", breaks}});
}

ApiResponse verify(ApiContext& ctx) {
  return read_answer(ctx, [](Store& store) { return verify_chain(store); });
}

}  // namespace

json audit_json(const AuditRecord& r) {
  json summary = json::parse(r.summary, nullptr, false);
  if (summary.is_discarded()) summary = r.summary;
  return json{{"seq", r.seq},           {"at_ms", r.at_ms},   {"actor", r.actor},   {"actor_kind", r.actor_kind},
              {"auth_method", r.auth_method}, {"remote", r.remote}, {"action", r.action}, {"target", r.target},
              {"summary", summary},     {"outcome", r.outcome}, {"prev_hash", r.prev_hash}, {"hash", r.hash}};
}

void add_audit_routes(Router& r, ApiContext& ctx) {
  const auto read = auth::Access::need(auth::Permission::audit_read);
  r.add("GET", "/api/v1/audit", read, [&ctx](const ApiRequest& req) { return list(ctx, req); });
  r.add("GET", "/api/v1/audit/export", read, [&ctx](const ApiRequest& req) { return export_lines(ctx, req); });
  r.add("GET", "/api/v1/audit/verify", read, [&ctx](const ApiRequest&) { return verify(ctx); });
}

}  // namespace mend
