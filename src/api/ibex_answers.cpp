#include "api/ibex_answers.hpp"

#include <charconv>

namespace mend {

Result<int64_t> parse_ibex_id(std::string_view text) {
  std::string_view digits = text;
  // from_chars takes a '-' but not the '+' that ParseInt also accepts.
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  int64_t id = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  bool whole = ec == std::errc() && end == digits.data() + digits.size() && !digits.empty() &&
               !(digits.front() == '-' && text.front() == '+');
  if (!whole) return make_error(ErrorCode::invalid_input, "cannot convert " + std::string(text) + " to int64");
  return id;
}

std::vector<int64_t> parse_ibex_ids(std::string_view csv) {
  std::vector<int64_t> ids;
  while (true) {
    size_t comma = csv.find(',');
    std::string_view part = csv.substr(0, comma);
    if (!part.empty())
      if (auto id = parse_ibex_id(part); id.ok()) ids.push_back(*id);
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return ids;
}

std::string ibex_bad_query_int(std::string_view value, bool int64) {
  return "cannot convert [" + std::string(value) + "] to " + (int64 ? "int64" : "int");
}

std::string ibex_host_not_exists(int64_t task_id, std::string_view host) {
  return "task: " + std::to_string(task_id) + ", host(" + std::string(host) + ") not eixsts";
}

}  // namespace mend
