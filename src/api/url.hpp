#pragma once
// Pieces of a request target: path and query, percent-decoding.
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mend {

// Splits "path?query" into the raw path and its decoded key/value pairs.
// Broken escapes are kept verbatim; a repeated key keeps its first value.
void split_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query);

}  // namespace mend
