#include "api/exposure_check.hpp"

#include <arpa/inet.h>

#include <vector>

#include "common/strings.hpp"

namespace mend {

namespace {

std::vector<std::string> missing(const AccessControl& access) {
  std::vector<std::string> out;
  if (!api_auth_configured(access))
    out.push_back("no API authentication (--basic-auth-file, --api-token-file): anyone who reaches the port can run "
                  "any script as root on every host");
  if (!agent_auth_configured(access))
    out.push_back("no agent authentication (--agent-token-file): anyone who reaches the port can connect as any "
                  "host and receive its scripts and their stdin");
  return out;
}

}  // namespace

bool api_auth_configured(const AccessControl& access) { return access.api_users; }

bool agent_auth_configured(const AccessControl& access) { return access.agent_token; }

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

Result<void> check_exposure(const ListenAddress& http, const AccessControl& access, bool insecure) {
  auto gaps = missing(access);
  if (gaps.empty() || insecure || is_loopback_host(http.host)) return ok();
  return make_error(ErrorCode::invalid_input,
                    "refusing to listen on " + http.host + ":" + std::to_string(http.port) +
                        ", reachable from other machines, with " + join(gaps, "; and ") +
                        ". Configure them, listen on 127.0.0.1 only (--http 127.0.0.1:PORT), or start with "
                        "--insecure (config: insecure = true) if a firewall or network already keeps others out");
}

std::string exposure_warning(const ListenAddress& http, const AccessControl& access) {
  auto gaps = missing(access);
  if (gaps.empty()) return "";
  std::string where = is_loopback_host(http.host) ? "loopback only" : "--insecure";
  return "running with " + join(gaps, "; and ") + " (" + where + ")";
}

}  // namespace mend
