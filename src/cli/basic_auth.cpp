#include "cli/basic_auth.hpp"

#include <cstdint>

namespace mend::cli {

std::string base64_encode(std::string_view data) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(data[i]) << 16) |
                 (static_cast<unsigned char>(data[i + 1]) << 8) |
                 static_cast<unsigned char>(data[i + 2]);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  size_t left = data.size() - i;
  if (left > 0) {
    uint32_t n = static_cast<unsigned char>(data[i]) << 16;
    if (left == 2) n |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += left == 2 ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<std::string> basic_auth_header(std::string_view user_colon_password) {
  auto colon = user_colon_password.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return make_error(ErrorCode::invalid_input, "--user must be USER:PASSWORD");
  }
  return "Basic " + base64_encode(user_colon_password);
}

}  // namespace mend::cli
