#pragma once
// The guardrail decision for one firing event and its rule, as a pure function
// of facts the service reads from the store in the same transaction that
// records the decision. Order matters and is part of the contract:
//   duplicate   an unfinished remediation exists for (rule, host, fingerprint):
//               Alertmanager's repeats and an HA pair's copies land here;
//   breaker_open the rule's breaker is open, or the last `breaker_failures`
//               finished runs all failed (this decision opens it);
//   cooldown    the rule ran on this host less than `cooldown` ago;
//   storm_cap   the rule already ran `max_tasks` times within `window`;
//   dry_run     everything allowed it, but the rule only records;
//   ran         start the template.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "heal/heal_config.hpp"
#include "store/model.hpp"

namespace mend::heal {

enum class Decision {
  ran,
  duplicate,
  cooldown,
  storm_cap,
  breaker_open,
  dry_run,
  no_rule,
  no_host,
  recovered,
  host_unknown,
  refused,  // the alert itself cannot be acted on (a host label no agent could have)
  forbidden,  // the rule's owner may not run its template on that host (auth/host_groups.hpp)
};
std::string_view to_string(Decision d);
std::optional<Decision> parse_decision(std::string_view s);

struct GuardFacts {
  std::optional<int64_t> active_task_id;  // unfinished task of a `ran` record for (rule, host, fingerprint)
  std::optional<int64_t> last_ran_ms;     // newest `ran` record for (rule, host)
  int64_t ran_in_window = 0;              // `ran` records of the rule created after now - window
  bool breaker_open = false;              // as stored
  int consecutive_failures = 0;           // see count_consecutive_failures
};

struct Verdict {
  Decision decision = Decision::ran;
  std::string reason;
  bool opens_breaker = false;  // the caller stores the breaker as open
};

Verdict decide(const HealRule& rule, const GuardFacts& facts, int64_t now_ms);

// Outcomes of the rule's finished runs, newest first: how many failed before
// the newest success. Cancelled and ignored runs say nothing about the script
// and are skipped; failed, timeout, killed, killfailed and lost count.
int count_consecutive_failures(const std::vector<HostStatus>& newest_first);
bool is_failed_run(HostStatus s);

}  // namespace mend::heal
