#pragma once
// Idempotency-Key on creating requests (POST /ibex/v1/tasks, the alert
// intake): the first answer for a key is stored (24 h, see EngineOptions) and
// a retry with the same key and the same request gets it back; the same key
// with another request is refused with 422. Keys are one namespace across routes.
#include <optional>
#include <string>

#include "api/http_types.hpp"
#include "store/store.hpp"

namespace mend {

// Longer keys are refused (400) before anything is read or written.
inline constexpr size_t kMaxIdempotencyKey = 255;

// What identifies "the same request": its path and body.
std::string idempotency_fingerprint(const ApiRequest& req);

// The earlier answer for `key` (or the 422 for a different request, or the
// store's error as a response); nullopt when the key is new.
std::optional<ApiResponse> replay_idempotent(Store& store, const std::string& key,
                                             const std::string& fingerprint);

}  // namespace mend
