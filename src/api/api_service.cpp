#include "api/api_service.hpp"

#include <nlohmann/json.hpp>

#include "api/api_audit.hpp"
#include "api/envelope.hpp"
#include "common/log.hpp"
#include "common/log_text.hpp"
#include "common/same_secret.hpp"

namespace mend {

namespace {
bool under(std::string_view path, std::string_view prefix) {
  return path.substr(0, prefix.size()) == prefix && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

bool safe_method(std::string_view m) { return m == "GET" || m == "HEAD" || m == "OPTIONS"; }
}  // namespace

// The agents' own routes under /api/v1/agent (a join token or a certificate
// proves them) are open routes, declared so where they are declared.
bool path_needs_auth(std::string_view path) { return under(path, "/ibex/v1") || under(path, "/api/v1"); }

std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view item = header.substr(0, semi);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    auto eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == name) {
      std::string_view v = item.substr(eq + 1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return "";
}

ApiResponse ApiService::forbidden(const ApiRequest& req, const std::string& permission,
                                  const std::string& why) const {
  if (on_refusal_) on_refusal_(req, permission, why);
  // "err" for Ibex-style clients, "error" and "permission" for the console.
  nlohmann::json body{{"err", why}, {"error", why}, {"permission", permission}};
  return ApiResponse{403, "application/json", dump_json(body), {}};
}

namespace {

ApiResponse refuse_401(const auth::PrincipalResolver& resolver, std::string why) {
  if (why.empty()) why = "unauthorized: this endpoint needs credentials (a session, Basic or Bearer)";
  nlohmann::json body{{"err", why}, {"error", why}};
  ApiResponse res{401, "application/json", dump_json(body), {}};
  for (auto& c : resolver.challenges()) res.headers.emplace_back("WWW-Authenticate", std::move(c));
  return res;
}

// Whether a credential refusal is not worth a record: a GET with only a
// stale cookie, or any request to an open route (it is served regardless).
bool trail_quiet(const ApiRequest& req, const Router::Match& m) {
  if (m.access.kind() == auth::Access::Kind::open) return true;
  return safe_method(req.method) && req.authorization.empty();
}

// ok, refused (401, 403) or failed (other errors, and Ibex's 200 with "err").
std::string outcome_of(const ApiResponse& res) {
  if (res.status == 401 || res.status == 403) return "refused";
  if (res.status >= 400) return "failed";
  constexpr std::string_view kOkTail = "\"err\":\"\"}";
  std::string_view body = res.body;
  if (res.content_type == "application/json" && body.size() < 4096 &&
      !(body.size() >= kOkTail.size() && body.substr(body.size() - kOkTail.size()) == kOkTail)) {
    auto j = nlohmann::json::parse(res.body, nullptr, false);
    if (j.is_object() && j.contains("err") && j["err"].is_string() && !j["err"].get<std::string>().empty())
      return "failed";
  }
  return "ok";
}

}  // namespace

ApiResponse ApiService::decide(ApiRequest& req, const Router::Match& m, const auth::Resolution& who) const {
  if (m.access.kind() != auth::Access::Kind::open) {
    if (!req.principal.signed_in()) return refuse_401(resolver_, who.refusal);
    // A browser sends the cookie with any request a page from elsewhere makes;
    // only our own page knows the CSRF token to repeat in the header.
    if (req.principal.method == auth::AuthMethod::session && !safe_method(req.method) &&
        (req.csrf_token.empty() || !same_secret(req.csrf_token, req.principal.csrf_token)))
      return forbidden(req, "",
                       "forbidden: a request signed in with the session cookie must send its X-CSRF-Token header");
    if (m.access.kind() == auth::Access::Kind::permission && !req.principal.may(m.access.permission())) {
      std::string p = m.access.describe();
      return forbidden(req, p,
                       "forbidden: " + req.principal.name +
                           (req.principal.role.empty() ? "" : " (role " + req.principal.role + ")") +
                           " lacks permission " + p);
    }
  }
  try {
    return (*m.handler)(req);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: handler failed: {}", req.method, req.path, e.what());
    return json_error(500, "internal error");
  }
}

HeaderVerdict ApiService::check_headers(ApiRequest& head) const {
  HeaderVerdict v;
  if (!path_needs_auth(head.path)) return v;
  auto m = router_.match(head.method, head.path);
  if (m.handler && m.access.kind() == auth::Access::Kind::open) return v;
  auth::Credentials creds{head.authorization, cookie_value(head.cookie, kSessionCookie), head.remote};
  auth::Resolution who = resolver_.resolve(creds);
  head.principal = std::move(who.principal);
  head.principal_resolved = true;
  if (head.principal.signed_in()) {
    v.authenticated = true;
    return v;
  }
  // Refused as handle() refuses it: the same answer, audit record and log
  // line. With this resolution handle() refuses before any route runs (the
  // body has not been read).
  head.credentials_refusal = std::move(who.refusal);
  head.credentials_unavailable = who.unavailable;
  v.refusal = handle(head);
  return v;
}

ApiResponse ApiService::dispatch(ApiRequest& req) const {
  auth::Resolution who;
  if (req.principal_resolved) {
    who.principal = req.principal;
    who.refusal = req.credentials_refusal;
    who.unavailable = req.credentials_unavailable;
  } else {
    auth::Credentials creds{req.authorization, cookie_value(req.cookie, kSessionCookie), req.remote};
    who = resolver_.resolve(creds);
    req.principal = who.principal;
  }
  auto m = router_.match(req.method, req.path);
  // Open routes under /api/v1 (signing in) serve callers without credentials.
  const bool needs_auth = path_needs_auth(req.path) && !(m.handler && m.access.kind() == auth::Access::Kind::open);
  if (who.unavailable && needs_auth) return json_error(503, who.refusal);
  // Refused credentials are audited, except a stale cookie on a page that
  // is still open (it polls), which is no attempt at anything.
  const bool refused_credentials = !who.refusal.empty() && !trail_quiet(req, m);
  const bool audited = trail_ && m.handler && (!safe_method(req.method) || refused_credentials);
  if (!audited) {
    if (needs_auth && !req.principal.signed_in()) return refuse_401(resolver_, who.refusal);
    if (!m.handler) return m.path_known ? json_error(405, "method not allowed") : json_error(404, "not found");
    req.params = m.params;
    return decide(req, m, who);
  }
  req.params = m.params;
  // Refused credentials are recorded as what they claimed to be.
  const std::string action = refused_credentials ? "auth.refused" : audit_action(req.method, m.pattern);
  trail_->begin(audit_record_for(req, action, clock_->now_ms()));
  if (!who.refusal.empty()) trail_->pending()->summary = nlohmann::json{{"why", who.refusal}}.dump();
  ApiResponse res = needs_auth && !req.principal.signed_in() ? refuse_401(resolver_, who.refusal) : decide(req, m, who);
  (void)trail_->finish(*audit_store_, outcome_of(res));
  return res;
}

ApiResponse ApiService::handle(ApiRequest req) const {
  ApiResponse res = dispatch(req);
  return logged(std::move(req), std::move(res));
}

ApiResponse ApiService::logged(ApiRequest req, ApiResponse res) const {
  if (!res.resume && !res.read_elsewhere) {
    log_outcome(req, res);
    return res;
  }
  // Logged once, when the last step answers. The body is not needed for that.
  req.body.clear();
  if (res.read_elsewhere) {
    // On the reader thread, after the read (spdlog is thread-safe).
    auto read = std::move(res.read_elsewhere);
    res.read_elsewhere = [this, req = std::move(req), read = std::move(read)](Store& reader) {
      return logged(req, read(reader));
    };
    return res;
  }
  auto step = std::move(res.resume);
  res.resume = [this, req = std::move(req), step = std::move(step)]() { return logged(req, step()); };
  return res;
}

void ApiService::log_outcome(const ApiRequest& req, const ApiResponse& res) const {
  bool failed = res.status >= 400;
  std::string err;
  // A 200 answer with a non-empty "err" (Ibex's refusals) is an error too.
  // Envelopes serialise "err" last, so a success ends with "err":"" and only
  // the small error envelopes are parsed.
  constexpr std::string_view kOkTail = "\"err\":\"\"}";
  std::string_view body = res.body;
  if (!failed && res.content_type == "application/json" &&
      !(body.size() >= kOkTail.size() && body.substr(body.size() - kOkTail.size()) == kOkTail)) {
    auto j = nlohmann::json::parse(res.body, nullptr, false);
    if (j.is_object() && j.contains("err") && j["err"].is_string() && !j["err"].get<std::string>().empty()) {
      failed = true;
      err = j["err"].get<std::string>();
    }
  }
  if (failed) {
    if (err.empty()) err = res.body.substr(0, 200);
    // Error texts quote what the client sent (a query value may hold a newline).
    spdlog::warn("{} {} from {} ({}) -> {}: {}", req.method, log_safe(req.path), req.remote,
                 log_safe(req.principal.name), res.status, log_safe(err));
  } else {
    spdlog::debug("{} {} from {} ({}) -> {}", req.method, log_safe(req.path), req.remote,
                  log_safe(req.principal.name), res.status);
  }
}

}  // namespace mend
