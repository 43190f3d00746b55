#include "api/heal_routes.hpp"

#include <functional>
#include <memory>
#include <type_traits>
#include <vector>

#include "api/envelope.hpp"
#include "api/idempotency.hpp"
#include "api/query_params.hpp"
#include "common/log.hpp"
#include "common/log_text.hpp"
#include "heal/rules_yaml.hpp"

namespace mend {

namespace {

using nlohmann::json;
using heal::HealService;

json nullable(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

json outcome_json(const heal::HealOutcome& o) {
  return json{{"event_id", o.event_id},       {"record_id", o.record_id}, {"fingerprint", o.fingerprint},
              {"status", o.status},           {"rule", o.rule},           {"host", o.host},
              {"decision", heal::to_string(o.decision)}, {"reason", o.reason}, {"task_id", nullable(o.task_id)}};
}

json record_json(const HealRecord& r) {
  return json{{"id", r.id},
              {"event_id", r.event_id},
              {"rule", r.rule},
              {"host", r.host},
              {"fingerprint", r.fingerprint},
              {"decision", r.decision},
              {"reason", r.reason},
              {"task_id", nullable(r.task_id)},
              {"task_status", r.task_status},
              {"created_ms", r.created_ms},
              {"resolved_ms", nullable(r.resolved_ms)},
              {"resolve_after_ms", nullable(r.resolve_after_ms)}};
}

json breaker_json(const HealBreaker& b) {
  return json{{"open", b.open}, {"opened_ms", b.opened_ms}, {"closed_ms", b.closed_ms}, {"reason", b.reason}};
}

// Alerts decided per step: a step holds the server's thread for a few
// milliseconds (the decisions that start nothing share one transaction); a
// webhook of ten thousand alerts is fifty steps with agents and other
// requests served between them.
constexpr size_t kAlertsPerStep = 200;

// A payload being decided, from one step to the next.
struct IntakeRun {
  std::vector<heal::AlertEvent> events;
  size_t next = 0;
  std::vector<heal::HealOutcome> outcomes;
  std::function<ApiResponse(ApiResponse)> done;  // turns the final answer into the response
};

ApiResponse intake_answer(const IntakeRun& run) {
  json list = json::array();
  size_t refused = 0;
  for (const auto& o : run.outcomes) {
    list.push_back(outcome_json(o));
    if (o.decision == heal::Decision::refused) ++refused;
  }
  return json_ok(json{{"events", run.outcomes.size()}, {"refused", refused}, {"decisions", list}});
}

ApiResponse intake_step(HealService& h, const std::shared_ptr<IntakeRun>& run) {
  auto decided = h.decide(run->events, run->next, kAlertsPerStep, run->outcomes);
  if (!decided.ok()) {
    // Only a store failure stops a payload (each alert's own problems are
    // `refused` decisions): what was decided before it stays recorded, and a
    // retry decides the rest (repeats of what ran are `duplicate`).
    Error e = decided.error();
    e.message = "decided " + std::to_string(run->next) + " of " + std::to_string(run->events.size()) +
                " alerts, then: " + e.message;
    return run->done(api_error(e));
  }
  if (run->next < run->events.size()) {
    ApiResponse later;
    later.resume = [&h, run] { return intake_step(h, run); };
    return later;
  }
  return run->done(intake_answer(*run));
}

// Parses the payload (a bad one is refused whole, before anything is
// written), then decides it in steps.
ApiResponse decide(HealService& h, const std::string& source, const ApiRequest& req,
                   std::function<ApiResponse(ApiResponse)> done) {
  auto events = h.parse(source, req.body);
  if (!events.ok()) return done(api_error(events.error()));
  auto run = std::make_shared<IntakeRun>();
  run->events = std::move(*events);
  run->outcomes.reserve(run->events.size());
  run->done = std::move(done);
  return intake_step(h, run);
}

// With an Idempotency-Key, a retried webhook gets the first answer back and
// records nothing. The answer is stored after the decisions commit (a payload
// is one transaction per event, and the key cannot join them all): if the
// server dies in between, a retry is decided again like a repeat from
// Alertmanager: `duplicate` while the first attempt's task is unfinished,
// then `cooldown` if the rule has one.
ApiResponse intake(HealService& h, Store& store, const Clock& clock, const std::string& source,
                   const ApiRequest& req) {
  if (req.idempotency_key.empty()) return decide(h, source, req, [](ApiResponse res) { return res; });
  if (req.idempotency_key.size() > kMaxIdempotencyKey)
    return json_error(400, "Idempotency-Key longer than 255 characters");
  const std::string fingerprint = idempotency_fingerprint(req);
  if (auto earlier = replay_idempotent(store, req.idempotency_key, fingerprint)) return *earlier;
  return decide(h, source, req, [&store, &clock, key = req.idempotency_key, fingerprint](ApiResponse res) {
    // Refusals are not kept: the sender may fix the payload and retry with the same key.
    if (res.status != 200) return res;
    IdempotentReply reply{key, fingerprint, res.status, res.body, clock.now_ms()};
    auto stored = store.transact([&](StoreTx& tx) { return tx.insert_idempotency_key(reply); });
    if (!stored.ok()) {
      // Another server sharing the database answered this key first: answer as it did.
      if (stored.error().code == ErrorCode::conflict)
        if (auto earlier = replay_idempotent(store, key, fingerprint)) return *earlier;
      spdlog::warn("alert intake: decided, but could not keep Idempotency-Key {}: {}", log_safe(key),
                   stored.error().message);
    }
    return res;
  });
}

// POST /api/v1/heal/dry-run?source=alertmanager|nightingale|grafana|generic
// with a payload as the intake takes it: what every rule would decide.
ApiResponse dry_run(HealService& h, const ApiRequest& req) {
  std::string source = query_str(req, "source");
  if (source.empty()) source = "alertmanager";
  if (source != "alertmanager" && source != "nightingale" && source != "grafana" && source != "generic")
    return json_error(400, "source must be one of alertmanager, nightingale, grafana, generic");
  auto previews = h.dry_run(source, req.body);
  if (!previews.ok()) return api_error(previews.error());
  json events = json::array();
  for (const auto& ev : *previews) {
    json rules = json::array();
    for (const auto& p : ev.rules)
      rules.push_back(json{{"rule", p.rule},
                           {"matches", p.matches},
                           {"deciding", p.deciding},
                           {"host", p.host},
                           {"decision", p.decision ? json(std::string(heal::to_string(*p.decision))) : json(nullptr)},
                           {"reason", p.reason}});
    events.push_back(json{{"fingerprint", ev.fingerprint},
                          {"status", ev.status},
                          {"name", ev.name},
                          {"labels", ev.labels},
                          {"decision", std::string(heal::to_string(ev.decision))},
                          {"rules", std::move(rules)}});
  }
  return json_ok(json{{"events", std::move(events)}});
}

ApiResponse list_records(HealService& h, const ApiRequest& req) {
  HealRecordQuery q;
  q.rule = query_str(req, "rule");
  q.host = query_str(req, "host");
  q.decision = query_str(req, "decision");
  if (!q.decision.empty() && !heal::parse_decision(q.decision))
    return json_error(400, "unknown decision '" + q.decision +
                               "' (ran, duplicate, cooldown, storm_cap, breaker_open, dry_run, no_rule, no_host, "
                               "host_unknown, recovered, refused, forbidden)");
  auto page = query_page(req, "before_id", 100, 10000);
  if (!page.ok()) return api_error(page.error());
  q.since_ms = page->since_ms;
  q.until_ms = page->until_ms;
  q.limit = static_cast<int>(page->limit);
  q.before_id = page->before;
  auto records = h.records(q);
  if (!records.ok()) return api_error(records.error());
  json list = json::array();
  for (const auto& r : *records) list.push_back(record_json(r));
  return json_ok(json{{"list", list}});
}

ApiResponse list_rule_statuses(HealService& h, const ApiRequest& req) {
  auto minutes = query_int(req, "minutes", 10);
  if (!minutes.ok()) return api_error(minutes.error());
  if (*minutes < 0) return json_error(400, "minutes must not be negative");
  auto statuses = h.rule_statuses(*minutes * 60'000);
  if (!statuses.ok()) return api_error(statuses.error());
  json list = json::array();
  for (const auto& s : *statuses) {
    json j{{"name", s.name},
           {"origin", s.origin},
           {"runs", s.runs},
           {"successes", s.successes},
           {"failures", s.failures},
           {"unfinished", s.unfinished},
           {"resolved_within", s.resolved_within},
           {"resolved_within_minutes", *minutes},
           {"last_run_ms", s.last_run_ms},
           {"breaker", breaker_json(s.breaker)}};
    if (const auto* rule = h.rules().find_rule(s.name)) j["rule"] = heal::to_json(*rule);
    list.push_back(std::move(j));
  }
  return json_ok(json{{"list", list}});
}

template <class T>
json all_json(const std::vector<T>& items) {
  json list = json::array();
  for (const auto& x : items) list.push_back(heal::to_json(x, true));
  return list;
}

template <class T>
ApiResponse one_or_404(const T* found, const char* what, const std::string& name) {
  if (!found) return json_error(404, std::string("no ") + what + " \"" + name + "\"");
  return json_ok(heal::to_json(*found, true));
}

template <class T>
ApiResponse saved(const Result<T>& r) {
  if (!r.ok()) return api_error(r.error());
  return json_ok(heal::to_json(*r, true));
}

// A refusal by host groups: 403 with the permission the route asked for, as
// the router's own refusals say it, and the reason naming group or hosts.
ApiResponse group_refusal(const Error& e, auth::Permission p) {
  if (e.code != ErrorCode::forbidden) return api_error(e);
  json body{{"err", e.message}, {"error", e.message}, {"permission", auth::to_string(p)}};
  return ApiResponse{403, "application/json", dump_json(body), {}};
}

// Saving a template or rule in a group needs write access to that group, and
// so do replacing and deleting one that belongs to a group (it cannot be
// moved out of a group one may not write); a rule also needs read access to
// its template's group. `body` false: a DELETE, the path names what goes.
Result<void> check_save(auth::HostGroups* groups, HealService& h, const ApiRequest& req, bool rule, bool body = true) {
  if (!groups) return ok();
  MEND_ASSIGN_OR_RETURN(auth::GroupAuthority who, groups->authority(req.principal));
  if (auto name = req.params.find("name"); name != req.params.end()) {
    const std::string what = (rule ? "rule '" : "template '") + name->second + "'";
    if (const auto* r = rule ? h.rules().find_rule(name->second) : nullptr) MEND_TRY(groups->check_save(who, what, r->group));
    if (const auto* t = rule ? nullptr : h.rules().find_template(name->second))
      MEND_TRY(groups->check_save(who, what, t->group));
  }
  if (!body) return ok();
  if (!rule) {
    MEND_ASSIGN_OR_RETURN(heal::HealTemplate t, heal::parse_template_json(req.body));
    return groups->check_save(who, "template '" + t.name + "'", t.group);
  }
  MEND_ASSIGN_OR_RETURN(heal::HealRule r, heal::parse_rule_json(req.body));
  MEND_TRY(groups->check_save(who, "rule '" + r.name + "'", r.group));
  if (const auto* t = h.rules().find_template(r.template_name)) MEND_TRY(groups->check_run(who, t->name, t->group, {}));
  return ok();
}

// GET/POST `path` and GET/PUT/DELETE `path`/:name: the catalog's templates
// (T = HealTemplate) or rules (T = HealRule), changed with `edit`.
template <class T>
void add_catalog_routes(Router& r, HealService& h, auth::HostGroups* groups, const std::string& path,
                        auth::Permission edit) {
  constexpr bool rule = std::is_same_v<T, heal::HealRule>;
  const char* word = rule ? "rule" : "template";
  auto in_use = [&h]() -> const std::vector<T>& {
    if constexpr (rule) return h.rules().rules;
    else return h.rules().templates;
  };
  auto find = [&h](const std::string& name) -> const T* {
    if constexpr (rule) return h.rules().find_rule(name);
    else return h.rules().find_template(name);
  };
  const auto need = auth::Access::need;
  const std::string one = path + "/:name";
  r.add("GET", path, need(auth::Permission::task_read), [in_use](const ApiRequest&) { return json_ok(all_json(in_use())); });
  r.add("GET", one, need(auth::Permission::task_read), [find, word](const ApiRequest& req) {
    const std::string& name = req.params.at("name");
    return one_or_404(find(name), word, name);
  });
  r.add("POST", path, need(edit), [&h, groups, edit](const ApiRequest& req) {
    if (auto allowed = check_save(groups, h, req, rule); !allowed.ok()) return group_refusal(allowed.error(), edit);
    return saved(h.catalog().create<T>(req.body, auth::owner_of(req.principal)));
  });
  r.add("PUT", one, need(edit), [&h, groups, edit](const ApiRequest& req) {
    if (auto allowed = check_save(groups, h, req, rule); !allowed.ok()) return group_refusal(allowed.error(), edit);
    return saved(h.catalog().replace<T>(req.params.at("name"), req.body, auth::owner_of(req.principal)));
  });
  r.add("DELETE", one, need(edit), [&h, groups, edit](const ApiRequest& req) {
    if (auto allowed = check_save(groups, h, req, rule, false); !allowed.ok())
      return group_refusal(allowed.error(), edit);
    auto done = h.catalog().remove<T>(req.params.at("name"));
    return done.ok() ? json_done() : api_error(done.error());
  });
}

// POST /api/v1/templates/:name/run {"hosts": [...], "creator": "..."}: one
// task from the template. Every host must be in a group where the caller has
// write access; otherwise nothing is created and the answer names the hosts.
ApiResponse run_template(HealService& h, auth::HostGroups* groups, const ApiRequest& req) {
  const std::string& name = req.params.at("name");
  const heal::HealTemplate* t = h.rules().find_template(name);
  if (!t) return json_error(404, "no template \"" + name + "\"");
  json body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return json_error(400, "the body must be a JSON object");
  std::vector<std::string> hosts;
  auto list = body.find("hosts");
  if (list == body.end() || !list->is_array() || list->empty())
    return json_error(400, "\"hosts\" must be a non-empty list of host names");
  for (const auto& x : *list) {
    if (!x.is_string()) return json_error(400, "\"hosts\" must be a list of host names");
    hosts.push_back(x.get<std::string>());
  }
  std::string creator = req.principal.name;
  if (auto c = body.find("creator"); c != body.end() && c->is_string() && !c->get<std::string>().empty())
    creator = c->get<std::string>();
  if (groups) {
    auto who = groups->authority(req.principal);
    if (!who.ok()) return api_error(who.error());
    auto allowed = groups->check_run(*who, t->name, t->group, hosts);
    if (!allowed.ok()) return group_refusal(allowed.error(), auth::Permission::task_run_template);
  }
  auto task = h.run_template(name, hosts, creator);
  if (!task.ok()) return api_error(task.error());
  return json_ok(json{{"id", task->id}, {"template", name}, {"hosts", task->hosts}});
}

}  // namespace

void add_heal_routes(Router& r, HealService& h, Store& store, const Clock& clock, auth::HostGroups* groups) {
  using auth::Permission;
  const auto need = auth::Access::need;
  for (const char* source : {"alertmanager", "nightingale", "grafana"}) {
    r.add("POST", std::string("/api/v1/alerts/") + source, need(Permission::alert_post),
          [&h, &store, &clock, s = std::string(source)](const ApiRequest& req) {
            return intake(h, store, clock, s, req);
          });
  }
  r.add("POST", "/api/v1/alerts", need(Permission::alert_post),
        [&h, &store, &clock](const ApiRequest& req) { return intake(h, store, clock, "generic", req); });

  // A dry run writes nothing and shows only what a reader already sees (the
  // rules, their guardrail state, the hosts known): task.read, so a viewer
  // can ask why an alert was or was not healed.
  r.add("POST", "/api/v1/heal/dry-run", need(Permission::task_read), [&h](const ApiRequest& req) { return dry_run(h, req); });
  r.add("GET", "/api/v1/heal/records", need(Permission::task_read), [&h](const ApiRequest& req) { return list_records(h, req); });
  r.add("GET", "/api/v1/heal/rules", need(Permission::task_read), [&h](const ApiRequest& req) { return list_rule_statuses(h, req); });
  r.add("POST", "/api/v1/heal/rules/:name/breaker/close", need(Permission::rule_edit), [&h](const ApiRequest& req) {
    auto b = h.close_breaker(req.params.at("name"));
    if (!b.ok()) return api_error(b.error());
    return json_ok(breaker_json(*b));
  });
  r.add("POST", "/api/v1/reload", need(Permission::rule_edit), [&h](const ApiRequest&) {
    auto done = h.reload();
    if (!done.ok()) return api_error(done.error());
    return json_ok(json{{"rules", h.rules().rules.size()}, {"templates", h.rules().templates.size()}});
  });

  add_catalog_routes<heal::HealTemplate>(r, h, groups, "/api/v1/templates", Permission::template_edit);
  r.add("POST", "/api/v1/templates/:name/run", need(Permission::task_run_template),
        [&h, groups](const ApiRequest& req) { return run_template(h, groups, req); });
  add_catalog_routes<heal::HealRule>(r, h, groups, "/api/v1/heal-rules", Permission::rule_edit);
}

namespace {

std::string label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string render_heal_metrics(const std::vector<HealDecisionCount>& decisions,
                                const std::vector<heal::RuleStatus>& rules) {
  std::string out;
  out += "# HELP mend_heal_decisions_total Heal decisions recorded, by rule and decision.\n";
  out += "# TYPE mend_heal_decisions_total counter\n";
  for (const auto& d : decisions)
    out += "mend_heal_decisions_total{rule=\"" + label_value(d.rule) + "\",decision=\"" + label_value(d.decision) +
           "\"} " + std::to_string(d.count) + "\n";
  auto per_rule = [&](const char* name, const char* type, const char* help, auto value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    for (const auto& r : rules)
      out += std::string(name) + "{rule=\"" + label_value(r.name) + "\"} " + std::to_string(value(r)) + "\n";
  };
  per_rule("mend_heal_runs_total", "counter", "Remediations started, by rule.",
           [](const heal::RuleStatus& r) { return r.runs; });
  per_rule("mend_heal_run_successes_total", "counter", "Remediations that succeeded, by rule.",
           [](const heal::RuleStatus& r) { return r.successes; });
  per_rule("mend_heal_run_failures_total", "counter", "Remediations that failed, by rule.",
           [](const heal::RuleStatus& r) { return r.failures; });
  per_rule("mend_heal_breaker_open", "gauge", "1 while the rule's circuit breaker is open.",
           [](const heal::RuleStatus& r) { return r.breaker.open ? 1 : 0; });
  return out;
}

std::string heal_metrics_text(heal::HealService& heal) {
  auto decisions = heal.decision_counts();
  auto rules = heal.rule_statuses(10 * 60'000);
  if (!decisions.ok() || !rules.ok()) {
    spdlog::warn("metrics: heal counts unavailable: {}",
                 (!decisions.ok() ? decisions.error() : rules.error()).message);
    return "";
  }
  return render_heal_metrics(*decisions, *rules);
}

}  // namespace mend
