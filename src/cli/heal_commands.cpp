#include <cctype>
#include <charconv>

#include "cli/commands.hpp"
#include "cli/server_url.hpp"
#include "cli/table.hpp"
#include "cli/time_format.hpp"
#include "common/encoding.hpp"

namespace mend::cli {

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

Result<std::string> time_bound(const char* name, const std::string& v, int64_t now_ms) {
  if (all_digits(v)) return v;
  if (auto ago = duration_ms(v)) return std::to_string(now_ms - *ago);
  // An RFC 3339 time starts with a four-digit year; the server checks the rest.
  if (v.size() >= 10 && std::isdigit(static_cast<unsigned char>(v[0])) && v[4] == '-') return v;
  return make_error(ErrorCode::invalid_input,
                    std::string("--") + name + " '" + v +
                        "': want epoch milliseconds, an RFC 3339 time, or a duration "
                        "before now such as 15m, 2h, 7d");
}

std::string resolved_text(const HealRecordView& r) {
  if (r.resolve_after_ms >= 0) return "after " + format_duration(r.resolve_after_ms);
  return "-";
}

}  // namespace

Result<std::string> time_query_bound(const char* name, const std::string& value, int64_t now_ms) {
  return time_bound(name, value, now_ms);
}

Result<std::string> heal_records_query(const HealRecordFilter& f, int64_t now_ms) {
  std::string q = "limit=" + std::to_string(f.limit);
  append_query(q, "rule", f.rule);
  append_query(q, "host", f.host);
  append_query(q, "decision", f.decision);
  if (!f.since.empty()) {
    MEND_ASSIGN_OR_RETURN(std::string since, time_bound("since", f.since, now_ms));
    append_query(q, "since", since);
  }
  if (!f.until.empty()) {
    MEND_ASSIGN_OR_RETURN(std::string until, time_bound("until", f.until, now_ms));
    append_query(q, "until", until);
  }
  return q;
}

int heal_records_command(const ServerApi& api, const HealRecordFilter& filter, int64_t now_ms,
                         Console& console) {
  auto query = heal_records_query(filter, now_ms);
  if (!query) return report_error(console, query.error());
  if (console.json) {
    auto dat = api.get_json("/api/v1/heal/records" + (query->empty() ? "" : "?" + *query));
    if (!dat) return report_error(console, dat.error());
    return print_json(console, *dat);
  }
  auto records = api.heal_records(*query);
  if (!records) return report_error(console, records.error());
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : *records) {
    std::string task = r.task_id ? std::to_string(r.task_id) : "-";
    if (r.task_id && !r.task_status.empty()) task += " " + r.task_status;
    rows.push_back({std::to_string(r.id), format_time(r.created_ms, console.utc),
                    r.rule.empty() ? "-" : r.rule, r.host.empty() ? "-" : r.host, r.decision, task,
                    resolved_text(r), r.reason});
  }
  console.out << format_table(
      {"ID", "TIME", "RULE", "HOST", "DECISION", "TASK", "RESOLVED", "REASON"}, rows);
  console.out << records->size() << (records->size() == 1 ? " record" : " records");
  if (static_cast<int>(records->size()) == filter.limit)
    console.out << " (limit reached; narrow with --since or raise --limit)";
  console.out << "\n";
  return kExitOk;
}

int heal_rules_command(const ServerApi& api, int64_t minutes, int64_t now_ms, Console& console) {
  auto rules = api.heal_rules(minutes);
  if (!rules) return report_error(console, rules.error());
  int open = 0;
  for (const auto& r : *rules) open += r.breaker_open ? 1 : 0;
  if (console.json) {
    auto dat = api.get_json("/api/v1/heal/rules?minutes=" + std::to_string(minutes));
    if (!dat) return report_error(console, dat.error());
    print_json(console, *dat);
    return open ? kExitHostsFailed : kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : *rules) {
    std::string breaker = "closed";
    if (r.breaker_open) {
      breaker = "OPEN since " + format_time(r.breaker_opened_ms, console.utc);
      if (!r.breaker_reason.empty()) breaker += ": " + r.breaker_reason;
    }
    rows.push_back({r.name, r.origin.empty() ? "gone" : r.origin, std::to_string(r.runs),
                    std::to_string(r.successes), std::to_string(r.failures),
                    std::to_string(r.unfinished), std::to_string(r.resolved_within),
                    format_ago(now_ms, r.last_run_ms), breaker});
  }
  console.out << format_table({"RULE", "ORIGIN", "RUNS", "OK", "FAILED", "RUNNING",
                               "RESOLVED<=" + std::to_string(minutes) + "M", "LAST RUN", "BREAKER"},
                              rows);
  console.out << rules->size() << (rules->size() == 1 ? " rule" : " rules");
  if (open)
    console.out << "; " << open
                << " breaker(s) open: `mendctl heal close-breaker RULE` after fixing the cause";
  console.out << "\n";
  return open ? kExitHostsFailed : kExitOk;
}

int heal_close_breaker_command(const ServerApi& api, const std::string& rule, Console& console) {
  auto done = api.close_heal_breaker(rule);
  if (!done) return report_error(console, done.error());
  console.out << "breaker of rule " << rule << " closed\n";
  return kExitOk;
}

}  // namespace mend::cli
