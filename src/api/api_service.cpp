#include "api/api_service.hpp"

#include <nlohmann/json.hpp>

#include "api/envelope.hpp"
#include "common/log.hpp"
#include "common/log_text.hpp"

namespace mend {

namespace {
bool under(std::string_view path, std::string_view prefix) {
  return path.substr(0, prefix.size()) == prefix && (path.size() == prefix.size() || path[prefix.size()] == '/');
}
}  // namespace

bool path_needs_auth(std::string_view path) { return under(path, "/ibex/v1") || under(path, "/api/v1"); }

std::optional<ApiResponse> ApiService::auth_refusal(const ApiRequest& req) const {
  if (!auth_.enabled() || !path_needs_auth(req.path)) return std::nullopt;
  std::string why = auth_.refusal(req.authorization);
  if (why.empty()) return std::nullopt;
  ApiResponse res = json_error(401, why);
  for (auto& c : auth_.challenges()) res.headers.emplace_back("WWW-Authenticate", std::move(c));
  return res;
}

HeaderVerdict ApiService::check_headers(const ApiRequest& head) const {
  HeaderVerdict v;
  v.refusal = auth_refusal(head);
  if (v.refusal) {
    log_outcome(head, *v.refusal);
  } else {
    v.authenticated = !auth_.enabled() || path_needs_auth(head.path);
  }
  return v;
}

ApiResponse ApiService::dispatch(ApiRequest& req) const {
  // Checked again here: check_headers is the HTTP server's early answer, this
  // is what every caller of handle() gets.
  if (auto refused = auth_refusal(req)) return *refused;
  auto m = router_.match(req.method, req.path);
  if (!m.handler) return m.path_known ? json_error(405, "method not allowed") : json_error(404, "not found");
  req.params = std::move(m.params);
  try {
    return (*m.handler)(req);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: handler failed: {}", req.method, req.path, e.what());
    return json_error(500, "internal error");
  }
}

ApiResponse ApiService::handle(ApiRequest req) const {
  ApiResponse res = dispatch(req);
  return logged(std::move(req), std::move(res));
}

ApiResponse ApiService::logged(ApiRequest req, ApiResponse res) const {
  if (!res.resume) {
    log_outcome(req, res);
    return res;
  }
  // Logged once, when the last step answers. The body is not needed for that.
  req.body.clear();
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
    spdlog::warn("{} {} from {} -> {}: {}", req.method, log_safe(req.path), req.remote, res.status, log_safe(err));
  } else {
    spdlog::debug("{} {} from {} -> {}", req.method, req.path, req.remote, res.status);
  }
}

}  // namespace mend
