#pragma once
// One request in, one response out: auth (basic or bearer) for /ibex/v1 and /api/v1, then
// routing, with a debug line per request and a warn line per error.
#include <optional>
#include <string_view>

#include "api/api_auth.hpp"
#include "api/http_types.hpp"
#include "api/router.hpp"

namespace mend {

// /ibex/v1 and /api/v1 need credentials when auth is on; the probes
// and /metrics do not. The agent WebSocket path never reaches here.
bool path_needs_auth(std::string_view path);

// What a request's headers alone decide, before any byte of its body is read
// (so an unauthenticated client cannot make the server hold megabytes).
struct HeaderVerdict {
  std::optional<ApiResponse> refusal;  // answer this (401) and read no body
  // Credentials were checked and admitted, or auth is off; false for a path
  // that needs none (probes, /metrics): those prove nothing about the peer.
  bool authenticated = false;
};

class ApiService {
 public:
  ApiService(Router router, ApiAuth auth) : router_(std::move(router)), auth_(std::move(auth)) {}
  // `head` is the request without its body.
  HeaderVerdict check_headers(const ApiRequest& head) const;
  // Never throws: a handler's exception becomes a 500.
  ApiResponse handle(ApiRequest req) const;

 private:
  std::optional<ApiResponse> auth_refusal(const ApiRequest& req) const;
  void log_outcome(const ApiRequest& req, const ApiResponse& res) const;
  // `res`, logged when its last step answers.
  ApiResponse logged(ApiRequest req, ApiResponse res) const;
  ApiResponse dispatch(ApiRequest& req) const;
  Router router_;
  ApiAuth auth_;
};

}  // namespace mend
