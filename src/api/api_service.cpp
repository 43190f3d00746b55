#include "api/api_service.hpp"

#include <nlohmann/json.hpp>

#include "api/envelope.hpp"
#include "common/log.hpp"

namespace mend {

namespace {
bool under(std::string_view path, std::string_view prefix) {
  return path.substr(0, prefix.size()) == prefix && (path.size() == prefix.size() || path[prefix.size()] == '/');
}
}  // namespace

bool path_needs_auth(std::string_view path) {
  // /api/v1/agent/ is the agents' own: a join token or a certificate proves them.
  if (under(path, "/api/v1/agent")) return false;
  return under(path, "/ibex/v1") || under(path, "/api/v1");
}

ApiResponse ApiService::dispatch(ApiRequest& req) const {
  if (auth_.enabled() && path_needs_auth(req.path)) {
    if (std::string why = auth_.refusal(req.authorization); !why.empty()) {
      ApiResponse res = json_error(401, why);
      for (auto& c : auth_.challenges()) res.headers.emplace_back("WWW-Authenticate", std::move(c));
      return res;
    }
  }
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
    spdlog::warn("{} {} from {} -> {}: {}", req.method, req.path, req.remote, res.status, err);
  } else {
    spdlog::debug("{} {} from {} -> {}", req.method, req.path, req.remote, res.status);
  }
  return res;
}

}  // namespace mend
