#include "dispatch/agent_hello.hpp"

#include "common/same_secret.hpp"

namespace mend {

bool valid_ident(std::string_view ident) {
  if (ident.empty() || ident.size() > kMaxIdentLength) return false;
  for (unsigned char c : ident)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

Result<void> check_hello(const proto::Hello& hello, std::string_view expected_token) {
  if (!expected_token.empty() && !same_secret(hello.token, expected_token))
    return make_error(ErrorCode::unauthorized, "bad token");
  if (!valid_ident(hello.ident)) return make_error(ErrorCode::invalid_input, "bad ident");
  MEND_TRY(proto::check_labels(hello.labels));
  return ok();
}

}  // namespace mend
