#include "api/idempotency.hpp"

#include <functional>

#include "api/envelope.hpp"

namespace mend {

std::string idempotency_fingerprint(const ApiRequest& req) {
  return std::to_string(std::hash<std::string>{}(req.path + "\n" + req.body));
}

std::optional<ApiResponse> replay_idempotent(Store& store, const std::string& key,
                                             const std::string& fingerprint) {
  std::optional<IdempotentReply> found;
  auto r = store.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(found, tx.find_idempotency_key(key));
    return ok();
  });
  if (!r.ok()) return json_error(r.error());
  if (!found) return std::nullopt;
  if (found->fingerprint != fingerprint) {
    ApiResponse res = json_error(
        make_error(ErrorCode::conflict, "Idempotency-Key reused with a different request"));
    res.status = 422;
    return res;
  }
  ApiResponse res;
  res.status = found->status;
  res.body = found->body;
  return res;
}

}  // namespace mend
