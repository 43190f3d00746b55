#include "store/postgres/dispatch_notice.hpp"

#include <random>

namespace mend::pg {

namespace {
constexpr std::string_view kMagic = "mend1 ";
}

std::string encode_dispatch_notice(std::string_view origin, const std::set<std::string>& hosts) {
  std::string out(kMagic);
  out += origin;
  std::string list;
  for (const std::string& h : hosts) {
    if (h.empty() || h == "*" || h.find('\n') != std::string::npos) {
      list.clear();
      break;
    }
    list += '\n';
    list += h;
  }
  if (list.empty() || out.size() + list.size() > kMaxNoticeBytes) return out + "\n*";
  return out + list;
}

DispatchNotice decode_dispatch_notice(std::string_view payload) {
  DispatchNotice n;
  if (payload.substr(0, kMagic.size()) != kMagic) {
    n.all = true;
    return n;
  }
  payload.remove_prefix(kMagic.size());
  size_t nl = payload.find('\n');
  n.origin = std::string(payload.substr(0, nl));
  if (nl == std::string_view::npos) {
    n.all = true;
    return n;
  }
  payload.remove_prefix(nl + 1);
  while (!payload.empty()) {
    size_t end = payload.find('\n');
    std::string_view host = payload.substr(0, end);
    if (host == "*") n.all = true;
    else if (!host.empty()) n.hosts.emplace_back(host);
    if (end == std::string_view::npos) break;
    payload.remove_prefix(end + 1);
  }
  if (n.hosts.empty()) n.all = true;
  return n;
}

std::string new_notice_origin() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) out += hex[rd() % 16];
  return out;
}

}  // namespace mend::pg
