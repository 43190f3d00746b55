#pragma once
// One request in, one response out: the caller resolved to a principal, the
// route's declared access checked, then the handler, with a debug line per
// request and a warn line per error.
//
// Refusals: 401 (with WWW-Authenticate) when a route needs a signed-in caller
// and the credentials are missing or wrong; 403 {"err","error","permission"}
// when the caller lacks the route's permission, or sent a non-GET request
// with a session cookie but without its X-CSRF-Token.
//
// The credentials are checked on the headers alone, before any byte of the
// body is read (check_headers), so an unauthenticated client cannot make the
// server hold megabytes.
#include <functional>
#include <optional>
#include <string_view>

#include "api/http_types.hpp"
#include "api/router.hpp"
#include "auth/audited_store.hpp"
#include "auth/principal_resolver.hpp"
#include "common/clock.hpp"

namespace mend {

// /ibex/v1 and /api/v1 need credentials unless the server is open; the probes
// and /metrics do not. The agent WebSocket path never reaches here.
bool path_needs_auth(std::string_view path);

// The value of cookie `name` in a Cookie header; "" when absent.
std::string cookie_value(std::string_view cookie_header, std::string_view name);

inline constexpr std::string_view kSessionCookie = "mend_session";

// What a request's headers alone decide, before any byte of its body is read.
struct HeaderVerdict {
  std::optional<ApiResponse> refusal;  // answer this (401, 503) and read no body
  // A caller signed in (or the server is open); false for a path that needs
  // none (probes, /metrics, signing in): those prove nothing about the peer.
  bool authenticated = false;
};

class ApiService {
 public:
  ApiService(Router router, auth::PrincipalResolver resolver)
      : router_(std::move(router)), resolver_(std::move(resolver)) {}
  // `head` is the request without its body. A caller it signs in is kept in
  // head.principal, so handle() of the full request resolves no credentials again.
  HeaderVerdict check_headers(ApiRequest& head) const;
  // Never throws: a handler's exception becomes a 500.
  ApiResponse handle(ApiRequest req) const;

  // Called for every request refused with 403 (the audit log records them).
  using RefusalSink = std::function<void(const ApiRequest&, const std::string& permission, const std::string& why)>;
  void on_refusal(RefusalSink sink) { on_refusal_ = std::move(sink); }

  // Audits every request that may change something (any method but GET,
  // HEAD, OPTIONS, on a known route) and every refused one: exactly one
  // record each, in the transaction of the change when there is one (see
  // auth/audited_store.hpp), else on its own with outcome refused or failed.
  // `store` is the unwrapped store; all three must outlive the service.
  void audit_with(auth::AuditTrail& trail, Store& store, const Clock& clock) {
    trail_ = &trail;
    audit_store_ = &store;
    clock_ = &clock;
  }

 private:
  ApiResponse dispatch(ApiRequest& req) const;
  void log_outcome(const ApiRequest& req, const ApiResponse& res) const;
  // `res`, logged when its last step answers.
  ApiResponse logged(ApiRequest req, ApiResponse res) const;
  ApiResponse decide(ApiRequest& req, const Router::Match& m, const auth::Resolution& who) const;
  ApiResponse forbidden(const ApiRequest& req, const std::string& permission, const std::string& why) const;
  Router router_;
  auth::PrincipalResolver resolver_;
  RefusalSink on_refusal_;
  auth::AuditTrail* trail_ = nullptr;
  Store* audit_store_ = nullptr;
  const Clock* clock_ = nullptr;
};

}  // namespace mend
