#include "engine/server_id.hpp"

#include <cstdio>

namespace mend {

std::string default_server_id(std::string_view hostname, int port, uint64_t nonce) {
  std::string id(hostname.empty() ? "localhost" : hostname);
  if (port != 0) return id + ":" + std::to_string(port);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(nonce));
  return id + ":0-" + hex;
}

}  // namespace mend
