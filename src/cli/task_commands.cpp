#include <algorithm>
#include <array>
#include <string_view>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/table.hpp"
#include "cli/time_format.hpp"

namespace mend::cli {

namespace {

constexpr std::array<std::string_view, 4> kTaskActions{"start", "pause", "cancel", "kill"};
constexpr std::array<std::string_view, 3> kHostActions{"ignore", "kill", "redo"};

template <size_t N>
bool is_one_of(const std::string& s, const std::array<std::string_view, N>& choices) {
  return std::find(choices.begin(), choices.end(), s) != choices.end();
}

std::string created_text(const TaskMeta& meta) {
  return meta.created_text.empty() ? format_local_time(meta.created_ms) : meta.created_text;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

int task_show_command(const ServerApi& api, int64_t id, bool with_output, Console& console) {
  auto task = api.task(id);
  if (!task) return report_error(console, task.error());
  const TaskMeta& m = task->meta;
  auto& out = console.out;
  std::string timeout = m.timeout > 0 ? std::to_string(m.timeout) + "s" : "default";
  out << "task      " << m.id << '\n'
      << "title     " << m.title << '\n'
      << "creator   " << or_dash(m.creator) << '\n'
      << "created   " << created_text(m) << '\n'
      << "account   " << m.account << '\n'
      << "batch     " << m.batch << "  tolerance " << m.tolerance << "  timeout " << timeout << '\n'
      << "pause     " << or_dash(m.pause) << '\n'
      << "args      " << or_dash(m.args) << '\n'
      << "action    " << or_dash(task->action) << '\n'
      << "state     " << (m.done ? "done" : or_dash(task->action)) << '\n'
      << "progress  " << format_progress_line(count_hosts(task->hosts), "", 0) << "\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& h : task->hosts) rows.push_back({h.host, h.status});
  out << format_table({"HOST", "STATUS"}, rows);
  if (with_output) {
    out << '\n';
    print_host_outputs(api, *task, console);
  }
  return kExitOk;
}

int task_action_command(const ServerApi& api, int64_t id, const std::string& action,
                        Console& console) {
  if (!is_one_of(action, kTaskActions)) {
    return report_error(
        console, make_error(ErrorCode::invalid_input,
                            "unknown task action '" + action + "' (start, pause, cancel or kill)"));
  }
  auto done = api.task_action(id, action);
  if (!done) return report_error(console, done.error());
  console.out << "task " << id << ": " << action << '\n';
  return kExitOk;
}

int host_action_command(const ServerApi& api, int64_t id, const std::string& host,
                        const std::string& action, Console& console) {
  if (!is_one_of(action, kHostActions)) {
    return report_error(console,
                        make_error(ErrorCode::invalid_input,
                                   "unknown host action '" + action + "' (ignore, kill or redo)"));
  }
  auto done = api.host_action(id, host, action);
  if (!done) return report_error(console, done.error());
  console.out << "task " << id << " host " << host << ": " << action << '\n';
  return kExitOk;
}

int task_list_command(const ServerApi& api, const std::string& query, int limit, Console& console) {
  if (limit <= 0) {
    return report_error(console, make_error(ErrorCode::invalid_input, "--limit must be > 0"));
  }
  auto list = api.list_tasks(query, limit);
  if (!list) return report_error(console, list.error());
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : list->list) {
    rows.push_back({std::to_string(m.id), m.title, or_dash(m.creator), created_text(m),
                    m.done ? "done" : "running"});
  }
  console.out << format_table({"ID", "TITLE", "CREATOR", "CREATED", "STATE"}, rows);
  console.out << list->list.size() << " of " << list->total << " tasks\n";
  return kExitOk;
}

}  // namespace mend::cli
