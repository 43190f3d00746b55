#include "cli/follow.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <thread>

#include "cli/progress.hpp"
#include "common/strings.hpp"

namespace mend::cli {

namespace {

// Sleeps for `total`, waking early when interrupted; true when interrupted.
bool sleep_unless_interrupted(std::chrono::milliseconds total, const std::atomic<bool>* flag) {
  constexpr std::chrono::milliseconds slice{20};
  auto deadline = std::chrono::steady_clock::now() + total;
  while (true) {
    if (flag && flag->load()) return true;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(slice, deadline - now));
  }
}

bool is_failed_host(const HostRow& h) {
  return is_finished_status(h.status) && h.status != "success" && h.status != "cancelled" && h.status != "ignored";
}

// " (web-02: exit 3, web-03: timeout)": the hosts that ended without
// success and how, the first few of them (a fleet-wide failure stays one
// line); empty when there are none.
std::string failed_hosts_note(const TaskView& task) {
  constexpr size_t kNamed = 5;
  std::vector<std::string> named;
  size_t failed = 0;
  for (const auto& h : task.hosts) {
    if (!is_failed_host(h)) continue;
    if (++failed <= kNamed) named.push_back(host_with_outcome(h));
  }
  if (failed == 0) return "";
  std::string note = " (" + join(named, ", ");
  if (failed > kNamed) note += " and " + std::to_string(failed - kNamed) + " more";
  return note + ")";
}

void print_block(Console& console, const char* name, const std::string& text) {
  if (text.empty()) return;
  console.out << "--- " << name << '\n' << text;
  if (text.back() != '\n') console.out << '\n';
}

}  // namespace

void print_host_outputs(const ServerApi& api, const TaskView& task, Console& console) {
  for (const auto& host : task.hosts) {
    console.out << "== " << host.host << ": " << host.status;
    if (host.exit_code) console.out << " (exit " << *host.exit_code << ')';
    console.out << '\n';
    auto output = api.host_output(task.meta.id, host.host);
    if (!output) {
      console.out << "(output unavailable: " << output.error().message << ")\n";
      continue;
    }
    print_block(console, "stdout", output->stdout_text);
    print_block(console, "stderr", output->stderr_text);
  }
}

int print_task_report(const ServerApi& api, const TaskView& task, Console& console) {
  print_host_outputs(api, task, console);
  HostCounts counts = count_hosts(task.hosts);
  console.out << "task " << task.meta.id << " done: " << counts.succeeded << "/" << counts.total
              << " hosts succeeded";
  if (counts.failed > 0) console.out << ", " << counts.failed << " failed" << failed_hosts_note(task);
  if (counts.skipped > 0) console.out << ", " << counts.skipped << " cancelled or ignored";
  console.out << '\n';
  return counts.succeeded == counts.total ? kExitOk : kExitHostsFailed;
}

int print_paused_report(const ServerApi& api, const TaskView& task, Console& console) {
  print_host_outputs(api, task, console);
  HostCounts counts = count_hosts(task.hosts);
  std::string first_failed;
  for (const auto& h : task.hosts)
    if (is_failed_host(h)) {
      first_failed = h.host;
      break;
    }
  const std::string id = std::to_string(task.meta.id);
  console.out << "task " << id << " paused: " << counts.succeeded << "/" << counts.total << " hosts succeeded, "
              << counts.failed << " failed";
  console.out << failed_hosts_note(task);
  console.out << ", " << counts.waiting << " waiting";
  if (counts.failed > task.meta.tolerance)
    console.out << "; more failures than the task's tolerance (" << task.meta.tolerance << ")";
  console.out << "\nnext steps:\n"
              << "  go on with the waiting hosts:  mendctl task action " << id << " start\n"
              << "  run a failed host again:       mendctl host action " << id << " "
              << (first_failed.empty() ? std::string("HOST") : first_failed) << " redo\n"
              << "  cancel the waiting hosts:      mendctl task action " << id << " cancel\n"
              << "  follow it again:               mendctl task watch " << id << '\n';
  return kExitPaused;
}

int follow_task(const ServerApi& api, int64_t id, Console& console, const FollowOptions& options) {
  std::optional<HostCounts> last_counts;
  std::string last_action;
  bool line_open = false;  // a progress line is on screen without its newline
  int failures = 0;
  auto end_line = [&] {
    if (line_open) console.out << '\n' << std::flush;
    line_open = false;
  };

  while (true) {
    if (options.interrupted && options.interrupted->load()) break;
    auto task = api.task(id);
    if (!task && task.error().code == ErrorCode::unavailable &&
        ++failures <= options.max_poll_failures) {
      if (sleep_unless_interrupted(options.interval, options.interrupted)) break;
      continue;
    }
    if (!task) {
      end_line();
      report_error(console, task.error());
      console.err << "task " << id << " may still be running: mendctl task show " << id << '\n';
      return kExitError;
    }
    failures = 0;
    HostCounts counts = count_hosts(task->hosts);
    bool done = task->meta.done;
    if (!done && counts.total > 0 && counts.finished() == counts.total) {
      auto state = api.task_state(id);
      done = state && *state == "done";
    }

    if (console.tty) {
      console.out << '\r' << format_progress_line(counts, task->action) << "\x1b[K" << std::flush;
      line_open = true;
    } else if (!last_counts || counts != *last_counts || task->action != last_action) {
      console.out << format_progress_line(counts, task->action, 0) << '\n' << std::flush;
    }
    last_counts = counts;
    last_action = task->action;

    if (done) {
      end_line();
      return print_task_report(api, *task, console);
    }
    // Paused with nothing running: it will not move until someone acts.
    if (task->action == "pause" && counts.running == 0) {
      end_line();
      return print_paused_report(api, *task, console);
    }
    if (sleep_unless_interrupted(options.interval, options.interrupted)) break;
  }

  end_line();
  console.err << "stopped following task " << id << "; it keeps running.\n"
              << "  show it:  mendctl task show " << id << "\n"
              << "  kill it:  mendctl task action " << id << " kill\n";
  return kExitInterrupted;
}

}  // namespace mend::cli
