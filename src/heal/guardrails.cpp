#include "heal/guardrails.hpp"

#include <array>

#include "heal/duration.hpp"

namespace mend::heal {

namespace {
constexpr std::array<std::string_view, 12> kNames = {"ran",       "duplicate",    "cooldown", "storm_cap",
                                                      "breaker_open", "dry_run",   "no_rule", "no_host",
                                                      "recovered",    "host_unknown", "refused", "forbidden"};
}

std::string_view to_string(Decision d) { return kNames[static_cast<size_t>(d)]; }

std::optional<Decision> parse_decision(std::string_view s) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == s) return static_cast<Decision>(i);
  return std::nullopt;
}

Verdict decide(const HealRule& rule, const GuardFacts& f, int64_t now_ms) {
  if (f.active_task_id)
    return {Decision::duplicate, "task " + std::to_string(*f.active_task_id) + " is still remediating this alert"};
  if (f.breaker_open) return {Decision::breaker_open, "breaker is open; close it to run this rule again"};
  if (rule.breaker_failures > 0 && f.consecutive_failures >= rule.breaker_failures)
    return {Decision::breaker_open,
            "breaker opened: the last " + std::to_string(f.consecutive_failures) + " runs failed", true};
  if (rule.cooldown_ms > 0 && f.last_ran_ms && now_ms - *f.last_ran_ms < rule.cooldown_ms)
    return {Decision::cooldown, "ran on this host " + format_duration(now_ms - *f.last_ran_ms) +
                                    " ago; cooldown is " + format_duration(rule.cooldown_ms)};
  if (rule.max_tasks > 0 && f.ran_in_window >= rule.max_tasks)
    return {Decision::storm_cap, std::to_string(f.ran_in_window) + " runs within " +
                                     format_duration(rule.window_ms) + "; the cap is " +
                                     std::to_string(rule.max_tasks)};
  if (rule.dry_run) return {Decision::dry_run, "dry run: would start template " + rule.template_name};
  return {Decision::ran, "started template " + rule.template_name};
}

bool is_failed_run(HostStatus s) {
  return s == HostStatus::failed || s == HostStatus::timeout || s == HostStatus::killed ||
         s == HostStatus::killfailed || s == HostStatus::lost;
}

int count_consecutive_failures(const std::vector<HostStatus>& newest_first) {
  int n = 0;
  for (HostStatus s : newest_first) {
    if (s == HostStatus::success) return n;
    if (is_failed_run(s)) ++n;  // unfinished, cancelled and ignored runs say nothing
  }
  return n;
}

}  // namespace mend::heal
