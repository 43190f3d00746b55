#pragma once
// The rules file (--rules FILE) and the API's template and rule bodies, with
// one validator for both: unknown keys, wrong types, bad durations, bad
// matchers and unknown template references are refused, and a file is refused
// whole, every problem listed with its line ("rules.yaml:12: ...").
//
//   templates:
//     restart-nginx:            # the template's name
//       title: Restart nginx
//       account: root
//       script: "systemctl restart nginx"
//       args: ""                # Ibex form, ",,"-separated
//       batch: 0
//       tolerance: 0
//       timeout: 60             # seconds, or a duration ("1m")
//       pause: ""
//       group: web              # the host group it belongs to (auth/host_groups.hpp)
//   rules:                      # in order: the first rule that matches decides
//     - name: nginx-down
//       matchers: ['alertname="NginxDown"', 'severity=~"critical|page"']
//       template: restart-nginx
//       host_labels: [ident, instance]   # default: ident, instance, host, hostname
//       cooldown: 5m
//       max_tasks: 10           # storm cap: at most 10 runs of this rule...
//       window: 1m              # ...per minute
//       breaker_failures: 3     # 3 failed runs in a row stop the rule
//       dry_run: false
//       on_resolved: nginx-ok   # template run when the alert resolves
//       group: web              # fires only on hosts of this group
//       owner: user:alice       # whose access it acts with; the API sets it to the saver
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "heal/heal_config.hpp"

namespace mend::heal {

// `other_templates` are names defined elsewhere (the API's) that the file's
// rules may also refer to. Errors: invalid_input, one problem per line.
Result<HealRuleSet> parse_rules_yaml(std::string_view text, const std::string& file_name,
                                     const std::set<std::string>& other_templates = {});

// parse_rules_yaml on the file at `path`. Errors: invalid_input (also when
// the file cannot be read).
Result<HealRuleSet> read_rules_file(const std::string& path, const std::set<std::string>& other_templates = {});

// API bodies: one JSON object with the file's keys plus "name". References are
// not checked here (the service knows every template). Errors: invalid_input.
Result<HealTemplate> parse_template_json(std::string_view body);
Result<HealRule> parse_rule_json(std::string_view body);

// Names unique across templates and across rules; every rule's template and
// on_resolved exist. Errors: invalid_input.
Result<void> check_references(const HealRuleSet& set);

// Back to the API form: parse_*_json reads it back unchanged. with_origin adds
// "origin": "file"|"api" (for listings; the parsers refuse it).
nlohmann::json to_json(const HealTemplate& t, bool with_origin = false);
nlohmann::json to_json(const HealRule& r, bool with_origin = false);

}  // namespace mend::heal
