#pragma once
// Table cells from the JSON answers mendctl reads: lenient about what is
// missing, as api_views.hpp is.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace mend::cli {

// A string field as it is, any other value as JSON; "" when absent or null.
std::string cell(const nlohmann::json& j, const char* key);
// An integer field; 0 when absent or not an integer.
int64_t cell_int(const nlohmann::json& j, const char* key);
// The items of a list joined with ',' (strings as they are, others as JSON);
// "" for anything but a list.
std::string cell_list(const nlohmann::json& list);

}  // namespace mend::cli
