#include "cli/basic_auth.hpp"

#include "common/encoding.hpp"

namespace mend::cli {

Result<std::string> basic_auth_header(std::string_view user_colon_password) {
  auto colon = user_colon_password.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return make_error(ErrorCode::invalid_input, "--user must be USER:PASSWORD");
  }
  return "Basic " + base64_encode(user_colon_password);
}

}  // namespace mend::cli
