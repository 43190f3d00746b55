#include "cli/server_url.hpp"

#include <cctype>

namespace mend::cli {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

Error bad_url(std::string_view url, std::string_view why) {
  return make_error(ErrorCode::invalid_input,
                    "bad server URL '" + std::string(url) + "': " + std::string(why));
}

}  // namespace

Result<ServerUrl> parse_server_url(std::string_view url) {
  ServerUrl out;
  out.text = std::string(url);
  std::string_view rest = url;
  std::string default_port = "10090";
  auto scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos) {
    std::string scheme(rest.substr(0, scheme_end));
    for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != "http" && scheme != "https") return bad_url(url, "only https:// and http:// are supported");
    out.tls = scheme == "https";
    rest.remove_prefix(scheme_end + 3);
    default_port = out.tls ? "443" : "80";
  }
  auto path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    return bad_url(url, "put credentials in --user or MEND_BASIC_AUTH, not in the URL");
  }
  if (path.find_first_of("?#") != std::string_view::npos) {
    return bad_url(url, "a query or fragment is not allowed");
  }

  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad_url(url, "unclosed '[' in host");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url(url, "expected ':' after ']'");
      port = after.substr(1);
      if (port.empty()) return bad_url(url, "empty port");
    }
  } else {
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return bad_url(url, "empty port");
      authority = authority.substr(0, colon);
    }
    out.host = std::string(authority);
  }
  if (out.host.empty()) return bad_url(url, "no host");
  if (!port.empty()) {
    if (!all_digits(port) || port.size() > 5 || std::stoi(std::string(port)) > 65535 ||
        std::stoi(std::string(port)) == 0) {
      return bad_url(url, "bad port '" + std::string(port) + "'");
    }
    out.port = std::string(port);
  } else {
    out.port = default_port;
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.base_path = std::string(path);
  return out;
}

std::string host_header(const ServerUrl& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  return host + ":" + url.port;
}

}  // namespace mend::cli
