#include "api/query_params.hpp"

#include <charconv>

#include "heal/alert_event.hpp"

namespace mend {

std::string query_str(const ApiRequest& req, const std::string& key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? std::string() : it->second;
}

Result<int64_t> query_int(const ApiRequest& req, const std::string& key, int64_t fallback) {
  const std::string s = query_str(req, key);
  if (s.empty()) return fallback;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size())
    return make_error(ErrorCode::invalid_input, "query parameter '" + key + "' must be an integer");
  return v;
}

Result<int64_t> query_time(const ApiRequest& req, const std::string& key) {
  const std::string s = query_str(req, key);
  if (s.find_first_not_of("0123456789") == std::string::npos) return query_int(req, key, 0);
  auto ms = heal::parse_rfc3339_ms(s);
  if (!ms.ok())
    return make_error(ErrorCode::invalid_input,
                      "query parameter '" + key + "' must be milliseconds since the epoch or an RFC 3339 time");
  return *ms;
}

Result<PageWindow> query_page(const ApiRequest& req, const std::string& before_key, int64_t default_limit,
                              int64_t max_limit) {
  PageWindow w;
  MEND_ASSIGN_OR_RETURN(w.since_ms, query_time(req, "since"));
  MEND_ASSIGN_OR_RETURN(w.until_ms, query_time(req, "until"));
  MEND_ASSIGN_OR_RETURN(w.before, query_int(req, before_key, 0));
  MEND_ASSIGN_OR_RETURN(w.limit, query_int(req, "limit", default_limit));
  if (w.limit < 1 || w.limit > max_limit)
    return make_error(ErrorCode::invalid_input, "limit must be between 1 and " + std::to_string(max_limit));
  return w;
}

}  // namespace mend
