#include "heal/host_label.hpp"

#include <algorithm>

#include "common/strings.hpp"

namespace mend::heal {

const std::vector<std::string>& default_host_labels() {
  static const std::vector<std::string> labels = {"ident", "instance", "host", "hostname"};
  return labels;
}

std::string strip_port(const std::string& instance) {
  if (!instance.empty() && instance.front() == '[') {
    auto close = instance.find(']');
    if (close != std::string::npos) return instance.substr(1, close - 1);
    return instance;
  }
  if (std::count(instance.begin(), instance.end(), ':') != 1) return instance;
  auto colon = instance.find(':');
  std::string port = instance.substr(colon + 1);
  // "host:" or "host:abc" is not a port; keep the text rather than guess.
  if (port.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return instance;
  return instance.substr(0, colon);
}

std::optional<HostPick> pick_host(const std::map<std::string, std::string>& labels,
                                  const std::vector<std::string>& host_labels) {
  for (const auto& name : host_labels) {
    auto it = labels.find(name);
    if (it == labels.end()) continue;
    std::string host = trim(it->second);
    if (name == "instance") host = strip_port(host);
    if (host.empty()) continue;
    return HostPick{host, name};
  }
  return std::nullopt;
}

}  // namespace mend::heal
