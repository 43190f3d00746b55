#include <algorithm>
#include <array>
#include <string_view>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/table.hpp"
#include "cli/time_format.hpp"
#include "common/encoding.hpp"

namespace mend::cli {

namespace {

constexpr std::array<std::string_view, 4> kTaskActions{"start", "pause", "cancel", "kill"};
constexpr std::array<std::string_view, 3> kHostActions{"ignore", "kill", "redo"};

template <size_t N>
bool is_one_of(const std::string& s, const std::array<std::string_view, N>& choices) {
  return std::find(choices.begin(), choices.end(), s) != choices.end();
}

std::string created_text(const TaskMeta& meta, const Console& console) {
  return meta.created_text.empty() ? format_time(meta.created_ms, console.utc) : meta.created_text;
}

// "3 ok, 1 failed, 2 running" from a list entry's host counts; "-" without them.
std::string hosts_text(const TaskMeta& m) {
  if (m.host_counts.empty()) return "-";
  int64_t ok = 0, failed = 0, running = 0, waiting = 0, skipped = 0;
  for (const auto& [status, n] : m.host_counts) {
    if (status == "success") ok += n;
    else if (status == "waiting") waiting += n;
    else if (status == "running" || status == "killing") running += n;
    else if (status == "cancelled" || status == "ignored") skipped += n;
    else failed += n;
  }
  std::string out = std::to_string(ok) + " ok";
  if (failed) out += ", " + std::to_string(failed) + " failed";
  if (running) out += ", " + std::to_string(running) + " running";
  if (waiting) out += ", " + std::to_string(waiting) + " waiting";
  if (skipped) out += ", " + std::to_string(skipped) + " skipped";
  return out;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

int task_show_command(const ServerApi& api, int64_t id, bool with_output, Console& console) {
  if (console.json) {
    // The native view: meta, action, state and every host with its output.
    auto dat = api.get_json("/api/v1/tasks/" + std::to_string(id));
    if (!dat) return report_error(console, dat.error());
    return print_json(console, *dat);
  }
  auto task = api.task(id);
  if (!task) return report_error(console, task.error());
  const TaskMeta& m = task->meta;
  auto& out = console.out;
  std::string timeout = m.timeout > 0 ? std::to_string(m.timeout) + "s" : "default";
  out << "task      " << m.id << '\n'
      << "title     " << m.title << '\n'
      << "creator   " << or_dash(m.creator) << '\n'
      << "created   " << created_text(m, console) << '\n'
      << "account   " << m.account << '\n'
      << "batch     " << m.batch << "  tolerance " << m.tolerance << "  timeout " << timeout << '\n'
      << "pause     " << or_dash(m.pause) << '\n'
      << "args      " << or_dash(m.args) << '\n'
      << "action    " << or_dash(task->action) << '\n'
      << "state     " << (m.done ? "done" : or_dash(task->action)) << '\n'
      << "progress  " << format_progress_line(count_hosts(task->hosts), "", 0) << '\n';
  if (m.rerun_of) out << "rerun of  task " << m.rerun_of << '\n';
  out << '\n';
  std::vector<std::vector<std::string>> rows;
  for (const auto& h : task->hosts) rows.push_back({h.host, h.status, exit_code_text(h)});
  out << format_table({"HOST", "STATUS", "EXIT"}, rows);
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
  if (console.json) {
    std::string path = "/ibex/v1/tasks?limit=" + std::to_string(limit);
    if (!query.empty()) path += "&query=" + url_encode(query);
    auto dat = api.get_json(path);
    if (!dat) return report_error(console, dat.error());
    return print_json(console, *dat);
  }
  auto list = api.list_tasks(query, limit);
  if (!list) return report_error(console, list.error());
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : list->list) {
    rows.push_back({std::to_string(m.id), m.title, or_dash(m.creator), created_text(m, console),
                    m.done ? "done" : "running", hosts_text(m)});
  }
  console.out << format_table({"ID", "TITLE", "CREATOR", "CREATED", "STATE", "HOSTS"}, rows);
  console.out << list->list.size() << " of " << list->total << " tasks\n";
  return kExitOk;
}

}  // namespace mend::cli
