#include "cli/text_source.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mend::cli {

Result<std::string> read_text_source(const std::string& path, std::istream& stdin_stream) {
  std::ostringstream text;
  if (path == "-") {
    text << stdin_stream.rdbuf();
    if (stdin_stream.bad()) return make_error(ErrorCode::invalid_input, "cannot read stdin");
    return text.str();
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return make_error(ErrorCode::invalid_input,
                      "cannot read " + path + ": " + std::strerror(errno));
  }
  text << file.rdbuf();
  if (file.bad()) return make_error(ErrorCode::invalid_input, "cannot read " + path);
  return text.str();
}

}  // namespace mend::cli
