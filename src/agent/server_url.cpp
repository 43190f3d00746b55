#include "agent/server_url.hpp"

namespace mend::agent {

Result<ServerUrl> parse_server_url(const std::string& url) {
  std::string rest;
  bool tls = false;
  for (const char* scheme : {"http://", "ws://", "https://", "wss://"}) {
    if (url.rfind(scheme, 0) == 0) {
      rest = url.substr(std::string(scheme).size());
      tls = std::string_view(scheme) == "https://" || std::string_view(scheme) == "wss://";
    }
  }
  if (rest.empty()) {
    return make_error(ErrorCode::invalid_input,
                      "server URL '" + url + "' must start with https://, wss://, http:// or ws://");
  }
  rest = rest.substr(0, rest.find('/'));
  ServerUrl out{rest, tls ? "443" : "80", tls};
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) return make_error(ErrorCode::invalid_input, "bad host in '" + url + "'");
    out.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return make_error(ErrorCode::invalid_input, "bad host in '" + url + "'");
      out.port = rest.substr(close + 2);
    }
  } else if (auto colon = rest.find(':'); colon != std::string::npos) {
    out.host = rest.substr(0, colon);
    out.port = rest.substr(colon + 1);
  }
  if (out.host.empty() || out.port.empty() ||
      out.port.find_first_not_of("0123456789") != std::string::npos) {
    return make_error(ErrorCode::invalid_input, "bad server URL '" + url + "'");
  }
  return out;
}

}  // namespace mend::agent
