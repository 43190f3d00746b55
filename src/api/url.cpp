#include "api/url.hpp"

#include "common/encoding.hpp"

namespace mend {

void split_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query) {
  auto q = target.find('?');
  path = std::string(target.substr(0, q));
  if (q == std::string_view::npos) return;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    auto key = percent_decode(k, true);
    auto value = percent_decode(v, true);
    query.emplace(key ? *key : std::string(k), value ? *value : std::string(v));
  }
}

}  // namespace mend
