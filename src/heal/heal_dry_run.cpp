// HealService::dry_run: the decision path of handle() without its writes,
// for every rule rather than only the first that matches.
#include "engine/task_form.hpp"
#include "heal/heal_service.hpp"
#include "heal/host_label.hpp"
#include "heal/matcher.hpp"
#include "heal/payloads.hpp"

namespace mend::heal {

Result<std::vector<EventPreview>> HealService::dry_run(std::string_view source,
                                                       std::string_view body) {
  MEND_ASSIGN_OR_RETURN(std::vector<AlertEvent> events, parse_alerts(source, body));
  std::vector<EventPreview> out;
  const int64_t now = clock_.now_ms();
  for (const auto& e : events) {
    EventPreview ev;
    ev.fingerprint = e.fingerprint;
    ev.status = std::string(status_text(e));
    ev.name = e.name;
    ev.labels = matchable_labels(e);
    bool decided = false;
    for (const auto& rule : rules().rules) {
      RulePreview p;
      p.rule = rule.name;
      p.matches = matches_all(rule.matchers, ev.labels);
      if (!p.matches) {
        p.reason = "matchers do not match";
        ev.rules.push_back(std::move(p));
        continue;
      }
      p.deciding = !decided;
      auto host = pick_host(ev.labels, rule.host_labels);
      if (!host) {
        p.decision = Decision::no_host;
        p.reason = "none of the host labels is set";
      } else if (auto usable = check_host_name(host->host); !usable.ok()) {
        // As handle() refuses it: a label that is no usable host name.
        p.host = host->host;
        p.decision = Decision::refused;
        p.reason = "host label " + host->label + " " + usable.error().message;
      } else if (e.resolved) {
        p.host = host->host;
        p.decision = Decision::recovered;
        p.reason =
            "a resolved alert closes the newest unresolved run of this rule on " + host->host;
      } else {
        p.host = host->host;
        MEND_ASSIGN_OR_RETURN(
            bool known, rule.require_known_host ? host_known(host->host) : Result<bool>(true));
        if (!known) {
          p.decision = Decision::host_unknown;
          p.reason =
              "no agent named \"" + host->host + "\" is connected or has ever run a task here";
        } else {
          Verdict v;
          MEND_TRY(store_.read([&](StoreTx& tx) -> Result<void> {
            MEND_ASSIGN_OR_RETURN(GuardFacts f,
                                  read_facts(tx, rule, host->host, e.fingerprint, now));
            v = heal::decide(rule, f, now);  // the guardrails, not the member
            return ok();
          }));
          p.decision = v.decision;
          p.reason = v.reason.empty() && v.decision == Decision::ran
                         ? "would run template " + rule.template_name + " on " + host->host
                         : v.reason;
        }
      }
      if (!decided) ev.decision = *p.decision;
      decided = true;
      ev.rules.push_back(std::move(p));
    }
    out.push_back(std::move(ev));
  }
  return out;
}

}  // namespace mend::heal
