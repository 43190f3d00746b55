#include "cli/progress.hpp"

namespace mend::cli {

bool is_finished_status(std::string_view status) {
  return status != "waiting" && status != "running" && status != "killing";
}

HostCounts count_hosts(const std::vector<HostRow>& hosts) {
  HostCounts c;
  for (const auto& h : hosts) {
    ++c.total;
    const auto& s = h.status;
    if (s == "waiting") {
      ++c.waiting;
    } else if (s == "running" || s == "killing") {
      ++c.running;
    } else if (s == "success") {
      ++c.succeeded;
    } else if (s == "cancelled" || s == "ignored") {
      ++c.skipped;
    } else {
      ++c.failed;
    }
  }
  return c;
}

std::string format_progress_line(const HostCounts& counts, std::string_view action, int bar_width) {
  std::string line;
  if (bar_width > 0) {
    int filled = counts.total > 0 ? counts.finished() * bar_width / counts.total : 0;
    line = "[" + std::string(filled, '#') + std::string(bar_width - filled, '-') + "] ";
  }
  line += std::to_string(counts.finished()) + "/" + std::to_string(counts.total) + " hosts done  " +
          std::to_string(counts.running) + " running  " + std::to_string(counts.failed) + " failed";
  if (counts.skipped > 0) line += "  " + std::to_string(counts.skipped) + " skipped";
  if (action == "pause") {
    line += "  (task paused)";
  } else if (action == "cancel") {
    line += "  (task cancelled)";
  } else if (action == "kill") {
    line += "  (task killed)";
  }
  return line;
}

}  // namespace mend::cli
