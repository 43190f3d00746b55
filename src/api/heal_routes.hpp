#pragma once
// Alert self-healing over HTTP (all under /api/v1, behind the API's auth):
//   POST /api/v1/alerts/alertmanager | /nightingale | /grafana, POST /api/v1/alerts (generic);
//        an Idempotency-Key header makes a retry answer as the first request did
//   GET  /api/v1/heal/records   ?rule&host&decision&since&until (ms or RFC 3339)&limit&before_id
//   GET  /api/v1/heal/rules     ?minutes=10 (resolved within N minutes of a successful run)
//   POST /api/v1/heal/rules/:name/breaker/close
//   POST /api/v1/reload         (the rules file and API definitions)
//   GET/POST /api/v1/templates, GET/PUT/DELETE /api/v1/templates/:name
//   POST /api/v1/templates/:name/run  {"hosts": [...]}: a task from the template
//   GET/POST /api/v1/heal-rules, GET/PUT/DELETE /api/v1/heal-rules/:name
// Handlers only translate: HealService decides, its RuleCatalog validates and
// keeps templates and rules (the same handlers for both); with host
// groups, saving and running are checked against the caller's groups
// (auth/host_groups.hpp) and a refusal changes nothing.
#include <string>
#include <vector>

#include "api/router.hpp"
#include "heal/heal_service.hpp"

namespace mend {

// `heal`, `store`, `clock` and `groups` must outlive `router`. The intake
// routes take an Idempotency-Key (see idempotency.hpp), kept in `store`.
// Without `groups` nobody is limited by host groups.
void add_heal_routes(Router& router, heal::HealService& heal, Store& store, const Clock& clock,
                     auth::HostGroups* groups = nullptr);

// mend_heal_decisions_total{rule,decision} and per-rule run counts and breaker
// state, in the Prometheus text format, for /metrics.
std::string render_heal_metrics(const std::vector<HealDecisionCount>& decisions,
                                const std::vector<heal::RuleStatus>& rules);
// The same, read from the service; "" (and a warning logged) when the store is unavailable.
std::string heal_metrics_text(heal::HealService& heal);

}  // namespace mend
