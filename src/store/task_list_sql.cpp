#include "store/task_list_sql.hpp"

namespace mend {

const std::string kTaskSelectSql =
    "SELECT t.id, t.title, t.account, t.batch, t.tolerance, t.timeout, t.pause, t.script, "
    "t.args, t.stdin, t.creator, t.alert_triggered, t.created_ms, t.done, a.action, a.updated_ms, t.env "
    "FROM tasks t LEFT JOIN task_actions a ON a.task_id = t.id";

TaskStateFilter task_state_filter(const std::string& state) {
  if (state == "done") return {1, ""};
  if (state == "unfinished") return {0, ""};
  if (!state.empty()) return {0, state};
  return {-1, ""};
}

std::string like_contains(std::string_view text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

}  // namespace mend
