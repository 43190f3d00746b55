#include "common/exception_message.hpp"

#include <cassert>

#include "common/log.hpp"

namespace mend {

std::string exception_message(std::exception_ptr e) {
  assert(e);
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

void log_exception(std::exception_ptr e, std::string_view what) {
  if (e) spdlog::error("{} failed: {}", what, exception_message(e));
}

}  // namespace mend
