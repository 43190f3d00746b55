#pragma once
// Counting a task's hosts by outcome and the one-line progress display.
#include <string>
#include <string_view>
#include <vector>

#include "cli/api_views.hpp"

namespace mend::cli {

// waiting, running and killing keep a task from being done; every other
// status, including one this mendctl does not know, is finished.
bool is_finished_status(std::string_view status);

struct HostCounts {
  int total = 0;
  int waiting = 0;
  int running = 0;    // running and killing
  int succeeded = 0;  // success
  int failed = 0;     // finished otherwise: failed, timeout, killed, killfailed, unknown
  int skipped = 0;    // cancelled and ignored

  int finished() const { return succeeded + failed + skipped; }
  bool operator==(const HostCounts&) const = default;
};

HostCounts count_hosts(const std::vector<HostRow>& hosts);

// "[#####---------------] 3/10 hosts done  2 running  1 failed", with
// "  1 skipped" when hosts were cancelled or ignored and "  (task paused)"
// (or cancelled/killed) when the task's action is not start. bar_width 0
// leaves the bar out (for output that is not a terminal).
std::string format_progress_line(const HostCounts& counts, std::string_view action,
                                 int bar_width = 20);

}  // namespace mend::cli
