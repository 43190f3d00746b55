#include "api/router.hpp"

#include "api/url.hpp"
#include "common/encoding.hpp"
#include "common/strings.hpp"

namespace mend {

std::vector<std::string> path_segments(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return {};
  return split(path, "/");
}

void Router::add(std::string method, std::string_view pattern, auth::Access access, Handler handler) {
  routes_.push_back(
      Route{std::move(method), std::string(pattern), path_segments(pattern), access, std::move(handler)});
}

void Router::replace_handlers(const Handler& handler) {
  for (auto& r : routes_) r.handler = handler;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  auto segs = path_segments(path);
  for (const auto& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const std::string& p = r.segments[i];
      if (!p.empty() && p[0] == ':') {
        auto decoded = percent_decode(segs[i], false);
        if (segs[i].empty() || !decoded) ok = false;
        else params[p.substr(1)] = std::move(*decoded);
      } else {
        ok = p == segs[i];
      }
    }
    if (!ok) continue;
    m.path_known = true;
    if (r.method != method) continue;
    m.handler = &r.handler;
    m.access = r.access;
    m.pattern = r.pattern;
    m.params = std::move(params);
    return m;
  }
  return m;
}

}  // namespace mend
