#pragma once
// Reading a script or stdin text from a file, or from mendctl's stdin for "-".
#include <istream>
#include <string>

#include "common/result.hpp"

namespace mend::cli {

// Errors: invalid_input naming the file when it cannot be read.
Result<std::string> read_text_source(const std::string& path, std::istream& stdin_stream);

}  // namespace mend::cli
