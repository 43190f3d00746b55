#include "api/envelope.hpp"

namespace mend {

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_input: return 400;
    case ErrorCode::not_found: return 404;
    // Ibex answers a refused action ("task already finished, no more action
    // can do") with HTTP 200 and the message in "err", and Nightingale reads
    // "err", not the status. A drop-in keeps that rather than HTTP 409.
    case ErrorCode::conflict: return 200;
    case ErrorCode::unauthorized: return 401;
    case ErrorCode::forbidden: return 403;
    case ErrorCode::too_large: return 413;
    case ErrorCode::unavailable: return 503;
    case ErrorCode::internal: return 500;
  }
  return 500;
}

int api_status(ErrorCode code) { return code == ErrorCode::conflict ? 409 : http_status(code); }

std::string dump_json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiResponse json_ok(const nlohmann::json& dat) {
  nlohmann::json env = {{"dat", dat}, {"err", ""}};
  return ApiResponse{200, "application/json", dump_json(env), {}};
}

ApiResponse json_done() { return ApiResponse{200, "application/json", R"({"err":""})", {}}; }

ApiResponse json_error(int status, const std::string& message) {
  nlohmann::json env = {{"err", message}};
  return ApiResponse{status, "application/json", dump_json(env), {}};
}

ApiResponse json_error(const Error& error) { return json_error(http_status(error.code), error.message); }

ApiResponse api_error(const Error& error) { return json_error(api_status(error.code), error.message); }

ApiResponse text_response(int status, std::string body) {
  return ApiResponse{status, "text/plain; charset=utf-8", std::move(body), {}};
}

}  // namespace mend
