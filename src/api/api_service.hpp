#pragma once
// One request in, one response out: auth (basic or bearer) for /ibex/v1 and /api/v1, then
// routing, with a debug line per request and a warn line per error.
#include <string_view>

#include "api/api_auth.hpp"
#include "api/http_types.hpp"
#include "api/router.hpp"

namespace mend {

// /ibex/v1 and /api/v1 need credentials when auth is on; the probes
// and /metrics do not. The agent WebSocket path never reaches here.
bool path_needs_auth(std::string_view path);

class ApiService {
 public:
  ApiService(Router router, ApiAuth auth) : router_(std::move(router)), auth_(std::move(auth)) {}
  // Never throws: a handler's exception becomes a 500.
  ApiResponse handle(ApiRequest req) const;

 private:
  ApiResponse dispatch(ApiRequest& req) const;
  Router router_;
  ApiAuth auth_;
};

}  // namespace mend
