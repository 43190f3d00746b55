#pragma once
// Turning a caught exception into text, for the completion handlers of
// co_spawn and other places that receive a std::exception_ptr.
#include <exception>
#include <string>
#include <string_view>

namespace mend {

// what() of the std::exception `e` holds; for anything else thrown, a fixed
// sentence saying so. `e` must not be null.
std::string exception_message(std::exception_ptr e);

// Logs "<what> failed: <message>" at error level when `e` holds an exception;
// nothing when it is null. Made for co_spawn's completion handlers, which must
// not let an exception escape.
void log_exception(std::exception_ptr e, std::string_view what);

}  // namespace mend
