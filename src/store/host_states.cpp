#include "store/host_states.hpp"

#include <array>

namespace mend {

namespace {

// One row a status: its name and what it means. The order is HostStatus's.
struct StatusRow {
  std::string_view name;
  bool unfinished;
  bool busy;
  bool failure;
  bool accepts_result;
  bool keeps_dispatch_open;
  bool agent_may_report;
};

constexpr std::array<StatusRow, 11> kStatuses = {{
    //  name         unfinished busy   failure accepts keeps_open agent_reports
    {"waiting", true, false, false, false, false, false},
    {"running", true, true, false, true, true, false},
    {"success", false, false, false, false, false, true},
    {"failed", false, false, true, false, false, true},
    {"timeout", false, false, true, true, true, true},
    {"killing", true, true, false, true, true, false},
    {"killed", false, false, false, false, false, true},
    {"killfailed", false, false, true, true, true, true},
    {"cancelled", false, false, false, false, false, false},
    {"ignored", false, false, false, false, true, false},
    {"lost", false, false, false, true, true, true},
}};

constexpr std::array<std::string_view, 8> kEventNames = {"dispatch",        "kill",   "result", "deadline",
                                                         "kill_unanswered", "cancel", "ignore", "lost"};

const StatusRow& row(HostStatus s) { return kStatuses[static_cast<size_t>(s)]; }

Error not_now(HostStatus from, std::string_view why) {
  return make_error(ErrorCode::conflict, "host is " + std::string(to_string(from)) + "; " + std::string(why));
}

}  // namespace

std::string_view to_string(HostStatus s) { return row(s).name; }

std::optional<HostStatus> parse_host_status(std::string_view s) {
  for (size_t i = 0; i < kStatuses.size(); ++i)
    if (kStatuses[i].name == s) return static_cast<HostStatus>(i);
  return std::nullopt;
}

std::string_view to_string(HostEvent e) { return kEventNames[static_cast<size_t>(e)]; }

bool is_unfinished(HostStatus s) { return row(s).unfinished; }
bool is_busy(HostStatus s) { return row(s).busy; }
bool counts_as_failure(HostStatus s) { return row(s).failure; }
bool accepts_result(HostStatus s) { return row(s).accepts_result; }
bool keeps_dispatch_open(HostStatus s) { return row(s).keeps_dispatch_open; }
bool agent_may_report(HostStatus s) { return row(s).agent_may_report; }

Result<HostStatus> next_host_status(HostStatus from, HostEvent event, std::optional<HostStatus> reported) {
  switch (event) {
    case HostEvent::dispatch:
      // A redo of a host an agent is still running would run it twice.
      if (is_busy(from)) return not_now(from, "kill it before a redo");
      return HostStatus::running;
    case HostEvent::kill:
      if (from != HostStatus::running && from != HostStatus::timeout)
        return not_now(from, "only a running or timed-out host can be killed");
      return HostStatus::killing;
    case HostEvent::result:
      if (!reported || !agent_may_report(*reported))
        return make_error(ErrorCode::invalid_input,
                          "result status '" + std::string(reported ? to_string(*reported) : "") +
                              "' is not a final status");
      return accepts_result(from) ? *reported : from;
    case HostEvent::deadline:
      if (from != HostStatus::running) return not_now(from, "only a running host times out");
      return HostStatus::timeout;
    case HostEvent::kill_unanswered:
      if (from != HostStatus::killing) return not_now(from, "only a host being killed can leave a kill unanswered");
      return HostStatus::killfailed;
    case HostEvent::cancel:
      if (from != HostStatus::waiting) return not_now(from, "only a waiting host is cancelled");
      return HostStatus::cancelled;
    case HostEvent::ignore:
      return HostStatus::ignored;
    case HostEvent::lost:
      if (!is_busy(from)) return not_now(from, "only a busy host can be lost");
      return HostStatus::lost;
  }
  return make_error(ErrorCode::internal, "unknown host event");
}

std::string sql_status_list(bool (*property)(HostStatus)) {
  std::string out = "(";
  for (size_t i = 0; i < kStatuses.size(); ++i) {
    if (!property(static_cast<HostStatus>(i))) continue;
    if (out.size() > 1) out += ", ";
    out += "'" + std::string(kStatuses[i].name) + "'";
  }
  return out + ")";
}

}  // namespace mend
