#pragma once
// Alert self-healing: events in, one decision per event, each decision
// recorded in the same transaction as its event and the task it starts.
// The templates and rules it decides with are its RuleCatalog's
// (rule_catalog.hpp), which the API changes through catalog().
//
// For each event the first rule (file rules in file order, then API rules by
// name) whose matchers all match decides:
//   no rule matches          -> no_rule
//   no host label present    -> no_host
//   host label unusable      -> refused (control characters, too long: no
//                               agent could have that name)
//   host never served        -> host_unknown (unless the rule sets
//                               require_known_host: false): no agent with that
//                               ident is connected, and none has ever run a
//                               dispatch here (see StoreTx::host_has_run_dispatches)
//   resolved                 -> recovered: the newest unresolved `ran` record of
//                               (rule, host, fingerprint) learns when; the
//                               rule's on_resolved template starts (unless dry_run)
//   owner may not run it     -> forbidden: the rule acts with the access of
//                               whoever last saved it (HealRule::owner); an
//                               owner who lost write access to the host's
//                               groups, or a host outside the rule's group,
//                               stops it (checked only with host groups set)
//   firing                   -> the guardrails (guardrails.hpp), then `ran`: a
//                               one-host task from the rule's template.
// A task for a host that no agent ever served would wait for its agent
// forever; an agent that connected once but never ran anything and is away
// now counts as unknown too (Mend keeps no list of hosts apart from the tasks).
//
// Threading: not thread-safe; the server calls it from its one io thread, as it
// does the Engine. Time comes from the injected Clock.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/host_groups.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "engine/engine.hpp"
#include "heal/alert_event.hpp"
#include "heal/guardrails.hpp"
#include "heal/heal_config.hpp"
#include "heal/rule_catalog.hpp"
#include "store/store.hpp"

namespace mend::heal {

// What was decided about one event.
struct HealOutcome {
  int64_t event_id = 0;
  int64_t record_id = 0;
  std::string fingerprint;
  std::string status;  // firing, resolved
  std::string rule;
  std::string host;
  Decision decision = Decision::no_rule;
  std::string reason;
  std::optional<int64_t> task_id;
};

// What one rule would decide about one event in a dry run.
struct RulePreview {
  std::string rule;
  bool matches = false;     // every matcher matches the event's labels
  bool deciding = false;    // the first matching rule: the one that would decide
  std::string host;         // the target host, when a host label is set
  std::optional<Decision> decision;  // for matching rules
  std::string reason;
};

// A dry run of one event: what it is and what each rule would decide.
struct EventPreview {
  std::string fingerprint;
  std::string status;  // firing, resolved
  std::string name;
  std::map<std::string, std::string> labels;
  Decision decision = Decision::no_rule;  // what the alert would get
  std::vector<RulePreview> rules;         // every rule, in the order they are tried
};

// Per-rule counts for GET /api/v1/heal/rules and /metrics.
struct RuleStatus {
  std::string name;
  std::string origin;  // "file", "api", or "" for a rule no longer configured
  int64_t runs = 0;
  int64_t successes = 0;
  int64_t failures = 0;
  int64_t unfinished = 0;
  int64_t resolved_within = 0;  // successful runs whose alert resolved within the asked bound
  int64_t last_run_ms = 0;
  HealBreaker breaker;  // rule, open, opened_ms, closed_ms, reason (closed and zero when never opened)
};

// Whether an agent with this ident is connected to this server now (native or
// Ibex protocol). Called on the server's io thread.
using ConnectedProbe = std::function<bool(const std::string& ident)>;

class HealService {
 public:
  HealService(Store& store, Engine& engine, const Clock& clock, ConnectedProbe connected);

  // The rule catalog's start (rule_catalog.hpp): loads the API-managed
  // templates and rules, then the rules file if a path is given.
  Result<void> start(const std::string& rules_path) { return catalog_.start(rules_path); }
  // Host groups to check rules' owners against when they fire; without them
  // (unit tests, tools) every rule reaches every host. Outlives this service.
  void set_host_groups(auth::HostGroups* groups) { groups_ = groups; }
  // The rule catalog's reload: on any error the rules in use stay as they were.
  Result<void> reload() { return catalog_.reload(); }

  // Parses a payload from `source` ("alertmanager", "nightingale", "grafana",
  // "generic") and decides every event in it. A bad payload is refused whole
  // (invalid_input) and nothing is stored.
  Result<std::vector<HealOutcome>> intake(std::string_view source, std::string_view body);
  // The parse step of intake alone: nothing is stored. Errors: invalid_input.
  Result<std::vector<AlertEvent>> parse(std::string_view source, std::string_view body) const;
  // Decides events[next], events[next + 1]... in order, at most `max` of them,
  // appending each outcome to `out` and advancing `next`: a large payload is
  // decided in bounded steps, with the server's other work between them.
  // Each event gets its own decision and record: one that cannot be acted on
  // for what it says (invalid_input: a host label no agent could have, a
  // template the alert makes invalid) is recorded as `refused` with the
  // reason, and the others go on. Decisions that start nothing (no_rule,
  // no_host, host_unknown, refused) of one call are written in one
  // transaction. Errors: unavailable (the store); the events before `next`
  // are decided and recorded, the others not.
  Result<void> decide(const std::vector<AlertEvent>& events, size_t& next, size_t max, std::vector<HealOutcome>& out);
  Result<HealOutcome> handle(const AlertEvent& event);
  // What every rule would decide about each event of the payload, with the
  // guardrails read as they stand now; nothing is recorded or run. A bad
  // payload is refused (invalid_input).
  Result<std::vector<EventPreview>> dry_run(std::string_view source, std::string_view body);

  // The templates and rules the decisions use, and their API changes.
  RuleCatalog& catalog() { return catalog_; }
  // The rules in use: file ones, then API ones.
  const HealRuleSet& rules() const { return catalog_.rules(); }

  // A task from template `name` on `hosts` (not from an alert): its id and
  // hosts as created. Host groups are the caller's to check first.
  // Errors: not_found, invalid_input, unavailable.
  struct TemplateRun {
    int64_t id = 0;
    std::vector<std::string> hosts;
  };
  Result<TemplateRun> run_template(const std::string& name, const std::vector<std::string>& hosts,
                                   const std::string& creator);

  Result<std::vector<HealRecord>> records(const HealRecordQuery& q);
  // Every configured rule, plus any rule that only appears in records.
  Result<std::vector<RuleStatus>> rule_statuses(int64_t resolved_within_ms);
  Result<std::vector<HealDecisionCount>> decision_counts();
  // Closes the breaker; the failures before now no longer count. not_found for
  // a rule that is neither configured nor has a breaker row.
  Result<HealBreaker> close_breaker(const std::string& rule);

 private:
  Result<HealOutcome> handle_firing(const AlertEvent& e, const HealRule& rule, const std::string& host);
  Result<HealOutcome> handle_resolved(const AlertEvent& e, const HealRule& rule, const std::string& host);
  // Writes the event and a record without a task, in one transaction; inside
  // decide(), queues them for its one transaction instead (ids filled then).
  Result<HealOutcome> record_only(const AlertEvent& e, HealOutcome out);
  // Connected now, or has run a dispatch before.
  Result<bool> host_known(const std::string& host);
  // forbidden (with the reason) when the rule's owner may not run `t` on `host`.
  Result<void> owner_may_run(const HealRule& rule, const HealTemplate& t, const std::string& host);
  Result<GuardFacts> read_facts(StoreTx& tx, const HealRule& rule, const std::string& host,
                                const std::string& fingerprint, int64_t now_ms);
  Result<TaskSpec> task_spec(const HealTemplate& t, const AlertEvent& e, const std::string& rule,
                             const std::string& host) const;

  // Record-only decisions queued by decide(): (event, index in its `out`).
  struct Queued {
    const AlertEvent* event;
    size_t out_index;
  };
  std::vector<Queued>* queued_ = nullptr;
  Result<void> write_queued(const std::vector<Queued>& queued, std::vector<HealOutcome>& out);

  Store& store_;
  Engine& engine_;
  const Clock& clock_;
  ConnectedProbe connected_;
  auth::HostGroups* groups_ = nullptr;
  RuleCatalog catalog_;
};

}  // namespace mend::heal
