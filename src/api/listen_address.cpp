#include "api/listen_address.hpp"

#include <charconv>

namespace mend {

Result<ListenAddress> parse_listen_address(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::invalid_input, "bad listen address '" + std::string(text) + "': " + why);
  };
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("expected HOST:PORT or :PORT");
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string_view::npos) return bad("write an IPv6 host in brackets: [::1]:PORT");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
    return bad("port must be a number from 0 to 65535");
  ListenAddress out;
  out.host = host.empty() ? "0.0.0.0" : std::string(host);
  out.port = static_cast<uint16_t>(value);
  return out;
}

}  // namespace mend
