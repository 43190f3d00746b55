#include "cli/console.hpp"

namespace mend::cli {

int report_error(Console& console, const Error& error) {
  console.err << "mendctl: " << error.message << '\n';
  return kExitError;
}

int print_json(Console& console, const nlohmann::json& dat) {
  console.out << dat.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  return kExitOk;
}

}  // namespace mend::cli
