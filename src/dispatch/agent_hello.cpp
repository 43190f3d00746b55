#include "dispatch/agent_hello.hpp"

namespace mend {

bool valid_ident(std::string_view ident) {
  if (ident.empty() || ident.size() > kMaxIdentLength) return false;
  for (unsigned char c : ident)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

namespace {
// Compares without stopping at the first difference, so timing does not tell
// how much of a guessed token was right. `expected` is not empty.
bool same_secret(std::string_view given, std::string_view expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
  return diff == 0;
}
}  // namespace

Result<void> check_hello(const proto::Hello& hello, std::string_view expected_token) {
  if (!expected_token.empty() && !same_secret(hello.token, expected_token))
    return make_error(ErrorCode::unauthorized, "bad token");
  if (!valid_ident(hello.ident)) return make_error(ErrorCode::invalid_input, "bad ident");
  return ok();
}

}  // namespace mend
