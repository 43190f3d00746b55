#pragma once
// Alert self-healing as stored: events, heal records (one per decision),
// breaker state, and API-managed templates and rules. Plain values; src/heal
// decides, the store persists. Labels travel as JSON text so the store needs
// no knowledge of the heal types.
#include <cstdint>
#include <optional>
#include <string>

namespace mend {

// Every alert that arrives, whatever was decided about it.
struct StoredAlertEvent {
  int64_t id = 0;
  std::string source;  // alertmanager, nightingale, grafana, generic
  std::string status;  // firing, resolved
  std::string fingerprint;
  std::string name;
  std::string labels_json;       // JSON object of strings
  std::string annotations_json;  // JSON object of strings
  std::string severity;
  std::string trigger_value;
  std::string target;
  int64_t starts_ms = 0;
  int64_t ends_ms = 0;
  int64_t received_ms = 0;
};

// One decision about one event: ran (with its task) or skipped with a reason.
struct HealRecord {
  int64_t id = 0;
  int64_t event_id = 0;
  std::string rule;  // "" when no rule matched
  std::string host;  // "" when none was found
  std::string fingerprint;
  std::string decision;  // ran, duplicate, cooldown, storm_cap, breaker_open, dry_run, no_rule, no_host,
                         // host_unknown, recovered
  std::string reason;
  std::optional<int64_t> task_id;
  int64_t created_ms = 0;
  std::optional<int64_t> resolved_ms;       // when the alert resolved (ran records)
  std::optional<int64_t> resolve_after_ms;  // resolved_ms - created_ms
  std::string task_status;  // read only: the task host's status now; "" without a task
};

struct HealRecordQuery {
  std::string rule;      // "" = any
  std::string host;      // "" = any
  std::string decision;  // "" = any
  int64_t since_ms = 0;  // created_ms >= since_ms
  int64_t until_ms = 0;  // created_ms < until_ms; 0 = no bound
  int64_t before_id = 0; // id < before_id, for paging; 0 = no bound
  int limit = 100;
};

// `ran` records of one rule whose task host has one status, for per-rule counts.
struct HealRunTally {
  std::string rule;
  std::string status;  // the task host's status; "" when the task row is gone
  int64_t runs = 0;
  int64_t resolved_within = 0;  // of those, resolved no later than the asked bound after the run
  int64_t last_run_ms = 0;
};

struct HealDecisionCount {
  std::string rule;
  std::string decision;
  int64_t count = 0;
};

// A breaker opens after the rule's remediations failed N times in a row and
// stays open until someone closes it; closing starts the count afresh.
struct HealBreaker {
  std::string rule;
  bool open = false;
  int64_t opened_ms = 0;
  int64_t closed_ms = 0;  // failures before this do not count
  std::string reason;
};

enum class HealDefinitionKind { heal_template, heal_rule };

// A template or rule managed through the API: its JSON body, validated by src/heal.
struct HealDefinition {
  std::string name;
  std::string body;
  int64_t updated_ms = 0;
};

}  // namespace mend
