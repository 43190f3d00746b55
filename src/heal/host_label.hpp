#pragma once
// Which host an alert is about: the first of the rule's host labels that the
// event has, non-empty. An `instance` label loses its port ("db1:9100" ->
// "db1", "[::1]:9100" -> "::1"), since it names a scrape target, not a host.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mend::heal {

const std::vector<std::string>& default_host_labels();  // ident, instance, host, hostname

// "host:port" -> "host"; "[v6]:port" and "[v6]" -> "v6"; a bare IPv6 address
// (several ':' and no brackets) or a name without a port is returned as is.
std::string strip_port(const std::string& instance);

struct HostPick {
  std::string host;
  std::string label;  // which label it came from
};

std::optional<HostPick> pick_host(const std::map<std::string, std::string>& labels,
                                  const std::vector<std::string>& host_labels);

}  // namespace mend::heal
