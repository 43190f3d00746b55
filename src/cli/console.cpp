#include "cli/console.hpp"

namespace mend::cli {

int report_error(Console& console, const Error& error) {
  console.err << "mendctl: " << error.message << '\n';
  return kExitError;
}

}  // namespace mend::cli
