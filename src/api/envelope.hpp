#pragma once
// The Ibex response envelope, {"dat": ..., "err": ""} or {"err": "..."}, and
// the one place where an ErrorCode becomes an HTTP status.
#include <nlohmann/json.hpp>
#include <string>

#include "api/http_types.hpp"
#include "common/result.hpp"

namespace mend {

int http_status(ErrorCode code);
// The status of `code` in Mend's own API (/api/v1): as http_status, but a
// refused change (conflict) is a real 409 rather than Ibex's 200.
int api_status(ErrorCode code);

// {"dat": dat, "err": ""} with status 200.
ApiResponse json_ok(const nlohmann::json& dat);
// {"err": ""} with status 200 (Ibex's answer to an action that has no data).
ApiResponse json_done();
// {"err": message} with the status of error.code.
ApiResponse json_error(const Error& error);
ApiResponse json_error(int status, const std::string& message);
// {"err": message} with the api_status of error.code.
ApiResponse api_error(const Error& error);
ApiResponse text_response(int status, std::string body);

// Serialises without throwing: invalid UTF-8 becomes U+FFFD.
std::string dump_json(const nlohmann::json& j);

}  // namespace mend
