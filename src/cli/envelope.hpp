#pragma once
// The server's JSON envelope: {"dat": ..., "err": ""} on success and
// {"err": "..."} on failure (Ibex often answers failures with HTTP 200).
#include <nlohmann/json.hpp>

#include "cli/http_client.hpp"
#include "common/result.hpp"

namespace mend::cli {

// Returns `dat` (null when absent) for a response whose `err` is empty.
// Errors carry the server's `err` text verbatim; the code follows the HTTP
// status (404 not_found, 401 unauthorized, 400 invalid_input, 413 too_large,
// 5xx unavailable, other failures conflict). A body that is not JSON fails
// with a message quoting the status and the start of the body.
Result<nlohmann::json> parse_envelope(const HttpResponse& response);

}  // namespace mend::cli
