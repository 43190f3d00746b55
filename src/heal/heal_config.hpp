#pragma once
// Templates and rules, as loaded from the rules file or the API. Plain values:
// parsing and validation live in rules_yaml.*, decisions in guardrails.*.
#include <cstdint>
#include <string>
#include <vector>

#include "heal/matcher.hpp"

namespace mend::heal {

enum class Origin { file, api };
const char* to_string(Origin o);

// The Ibex task fields a remediation is made from.
struct HealTemplate {
  std::string name;
  std::string title;
  std::string account;
  std::string script;
  std::string args;  // Ibex form: ",,"-separated
  int batch = 0;
  int tolerance = 0;
  int timeout_s = 0;  // 0 means Ibex's default (30 s)
  std::string pause;
  // The host group it belongs to ("" for none): running it needs read access
  // to this group (auth/host_groups.hpp).
  std::string group;
  Origin origin = Origin::file;
};

struct HealRule {
  std::string name;
  std::vector<Matcher> matchers;  // all must match; empty matches every event
  std::string template_name;
  std::vector<std::string> host_labels;  // first present wins
  int64_t cooldown_ms = 0;               // per (rule, host); 0 = none
  int max_tasks = 0;                     // storm cap per window; 0 = none
  int64_t window_ms = 0;
  int breaker_failures = 0;  // failed runs in a row that open the breaker; 0 = no breaker
  bool dry_run = false;
  std::string on_resolved;  // template started when the alert resolves; "" = none
  // Skip (host_unknown) an alert whose host no agent has ever served, rather
  // than create a task that waits for an agent that may never come.
  bool require_known_host = true;
  // The host group it belongs to: it fires only on hosts of this group ("" for any).
  std::string group;
  // Whoever last saved it through the API ("user:NAME" or "config:NAME"; ""
  // for the rules file): it acts with their access to host groups, checked
  // when saved and again each time it fires.
  std::string owner;
  Origin origin = Origin::file;
};

struct HealRuleSet {
  std::vector<HealTemplate> templates;
  std::vector<HealRule> rules;  // in order: the first rule that matches an event decides

  const HealTemplate* find_template(const std::string& name) const;
  const HealRule* find_rule(const std::string& name) const;
};

}  // namespace mend::heal
