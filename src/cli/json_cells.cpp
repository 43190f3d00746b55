#include "cli/json_cells.hpp"

namespace mend::cli {

std::string cell(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

int64_t cell_int(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::string cell_list(const nlohmann::json& list) {
  std::string out;
  if (list.is_array())
    for (const auto& x : list) out += (out.empty() ? "" : ",") + (x.is_string() ? x.get<std::string>() : x.dump());
  return out;
}

}  // namespace mend::cli
