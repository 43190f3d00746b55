#include "heal/heal_service.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "engine/task_form.hpp"
#include "heal/duration.hpp"
#include "heal/host_label.hpp"
#include "heal/payloads.hpp"
#include "heal/script_input.hpp"

namespace mend::heal {

namespace {

std::string labels_json(const std::map<std::string, std::string>& m) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

StoredAlertEvent stored_event(const AlertEvent& e, int64_t now_ms) {
  StoredAlertEvent s;
  s.source = e.source;
  s.status = std::string(status_text(e));
  s.fingerprint = e.fingerprint;
  s.name = e.name;
  s.labels_json = labels_json(e.labels);
  s.annotations_json = labels_json(e.annotations);
  s.severity = e.severity;
  s.trigger_value = e.trigger_value;
  s.target = e.target;
  s.starts_ms = e.starts_ms;
  s.ends_ms = e.ends_ms;
  s.received_ms = now_ms;
  return s;
}

HealRecord record_of(const HealOutcome& o, int64_t now_ms) {
  HealRecord r;
  r.event_id = o.event_id;
  r.rule = o.rule;
  r.host = o.host;
  r.fingerprint = o.fingerprint;
  r.decision = std::string(to_string(o.decision));
  r.reason = o.reason;
  r.task_id = o.task_id;
  r.created_ms = now_ms;
  return r;
}

// Writes event + record in `tx`, filling the ids into `out`.
Result<void> write_event_and_record(StoreTx& tx, const AlertEvent& e, HealOutcome& out, int64_t now_ms) {
  MEND_ASSIGN_OR_RETURN(out.event_id, tx.insert_alert_event(stored_event(e, now_ms)));
  MEND_ASSIGN_OR_RETURN(out.record_id, tx.insert_heal_record(record_of(out, now_ms)));
  // A decision that started a task is an action on a host: it is audited in
  // the same transaction, as the rule that took it; so is one its owner's
  // access forbade.
  if (out.task_id || out.decision == Decision::forbidden) {
    AuditRecord a;
    a.at_ms = now_ms;
    a.actor = out.rule;
    a.actor_kind = "rule";
    a.auth_method = "rule";
    a.action = "heal.run";
    a.target = out.task_id ? "task=" + std::to_string(*out.task_id) + " host=" + out.host : "host=" + out.host;
    a.summary = nlohmann::json{{"rule", out.rule},         {"host", out.host},
                               {"fingerprint", out.fingerprint}, {"event_id", out.event_id},
                               {"record_id", out.record_id},     {"decision", to_string(out.decision)},
                               {"reason", out.reason}}
                    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    a.outcome = out.task_id ? "ok" : "refused";
    MEND_TRY(tx.append_audit(std::move(a)));
  }
  return ok();
}

// The Ibex task fields a template fills in.
TaskForm template_form(const HealTemplate& t) {
  TaskForm form;
  form.title = t.title;
  form.account = t.account;
  form.batch = t.batch;
  form.tolerance = t.tolerance;
  form.timeout = t.timeout_s;
  form.pause = t.pause;
  form.script = t.script;
  form.args = t.args;
  return form;
}

// How many finished runs to look back at for the breaker: enough to see past
// cancelled and ignored runs, which do not count either way.
int breaker_lookback(const HealRule& r) { return r.breaker_failures * 4 + 16; }

}  // namespace

HealService::HealService(Store& store, Engine& engine, const Clock& clock, ConnectedProbe connected)
    : store_(store), engine_(engine), clock_(clock), connected_(std::move(connected)), catalog_(store, clock) {
  if (!connected_) throw std::invalid_argument("HealService needs a connected-agent probe");
}

// ---- decisions

Result<std::vector<HealOutcome>> HealService::intake(std::string_view source, std::string_view body) {
  MEND_ASSIGN_OR_RETURN(std::vector<AlertEvent> events, parse(source, body));
  std::vector<HealOutcome> out;
  out.reserve(events.size());
  size_t next = 0;
  MEND_TRY(decide(events, next, events.size(), out));
  return out;
}

Result<std::vector<AlertEvent>> HealService::parse(std::string_view source, std::string_view body) const {
  return parse_alerts(source, body);
}

Result<void> HealService::decide(const std::vector<AlertEvent>& events, size_t& next, size_t max,
                                 std::vector<HealOutcome>& out) {
  std::vector<Queued> queued;
  queued_ = &queued;
  struct Unqueue {
    std::vector<Queued>*& q;
    ~Unqueue() { q = nullptr; }
  } unqueue{queued_};
  for (size_t n = 0; n < max && next < events.size(); ++n, ++next) {
    const AlertEvent& e = events[next];
    size_t before = queued.size();
    out.emplace_back();
    auto o = handle(e);
    if (!o.ok() && o.error().code == ErrorCode::invalid_input) {
      // What the alert asks cannot be done; the others in the payload can.
      HealOutcome refused;
      refused.fingerprint = e.fingerprint;
      refused.status = std::string(status_text(e));
      refused.decision = Decision::refused;
      refused.reason = o.error().message;
      queued.resize(before);
      o = record_only(e, std::move(refused));
    }
    if (!o.ok()) {
      out.pop_back();
      queued.resize(before);
      // What was decided before this event is still recorded, if the store lets it.
      if (auto w = write_queued(queued, out); !w.ok()) return w;
      return o.error();
    }
    out.back() = std::move(*o);
    if (queued.size() > before) queued.back().out_index = out.size() - 1;
  }
  return write_queued(queued, out);
}

Result<void> HealService::write_queued(const std::vector<Queued>& queued, std::vector<HealOutcome>& out) {
  if (queued.empty()) return ok();
  int64_t now = clock_.now_ms();
  std::vector<HealOutcome> written;
  auto r = store_.transact([&](StoreTx& tx) -> Result<void> {
    written.clear();
    for (const Queued& q : queued) {
      written.push_back(out[q.out_index]);
      MEND_TRY(write_event_and_record(tx, *q.event, written.back(), now));
    }
    return ok();
  });
  if (!r.ok()) {
    // Nothing of these was written: they are not decisions the caller may report.
    return r;
  }
  for (size_t i = 0; i < queued.size(); ++i) out[queued[i].out_index] = std::move(written[i]);
  return ok();
}

Result<HealOutcome> HealService::handle(const AlertEvent& e) {
  auto labels = matchable_labels(e);
  const HealRule* rule = nullptr;
  for (const auto& r : rules().rules) {
    if (matches_all(r.matchers, labels)) {
      rule = &r;
      break;
    }
  }
  HealOutcome out;
  out.fingerprint = e.fingerprint;
  out.status = std::string(status_text(e));
  if (!rule) {
    out.decision = Decision::no_rule;
    out.reason = "no rule matches";
    return record_only(e, std::move(out));
  }
  out.rule = rule->name;
  auto host = pick_host(labels, rule->host_labels);
  if (!host) {
    out.decision = Decision::no_host;
    std::vector<std::string> names = rule->host_labels;
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    out.reason = "none of the host labels is set: " + list;
    return record_only(e, std::move(out));
  }
  if (auto usable = check_host_name(host->host); !usable.ok()) {
    out.host = host->host;
    out.decision = Decision::refused;
    out.reason = "host label " + host->label + " " + usable.error().message;
    return record_only(e, std::move(out));
  }
  // Copies: a reload inside create_task's callbacks cannot happen (one thread),
  // but the rule must not dangle if a future caller changes that.
  HealRule r = *rule;
  if (!e.resolved && r.require_known_host) {
    MEND_ASSIGN_OR_RETURN(bool known, host_known(host->host));
    if (!known) {
      out.host = host->host;
      out.decision = Decision::host_unknown;
      out.reason = "no agent named \"" + host->host + "\" is connected or has ever run a task here (from label " +
                   host->label + ")";
      return record_only(e, std::move(out));
    }
  }
  if (!e.resolved) {
    if (const HealTemplate* t = rules().find_template(r.template_name)) {
      auto allowed = owner_may_run(r, *t, host->host);
      if (!allowed.ok()) {
        if (allowed.error().code != ErrorCode::forbidden) return allowed.error();
        out.host = host->host;
        out.decision = Decision::forbidden;
        out.reason = allowed.error().message;
        return record_only(e, std::move(out));
      }
    }
  }
  auto decided = e.resolved ? handle_resolved(e, r, host->host) : handle_firing(e, r, host->host);
  if (!decided.ok() && decided.error().code == ErrorCode::invalid_input) {
    // The alert makes the rule's template invalid (nothing was written): it
    // is refused on its own, and the rest of its payload is decided.
    out.host = host->host;
    out.decision = Decision::refused;
    out.reason = decided.error().message;
    return record_only(e, std::move(out));
  }
  return decided;
}

Result<bool> HealService::host_known(const std::string& host) {
  if (connected_(host)) return true;
  bool ran = false;
  MEND_TRY(store_.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(ran, tx.host_has_run_dispatches(host));
    return ok();
  }));
  return ran;
}

Result<void> HealService::owner_may_run(const HealRule& rule, const HealTemplate& t, const std::string& host) {
  if (!groups_) return ok();
  MEND_ASSIGN_OR_RETURN(auth::GroupAuthority who, groups_->authority_of_owner(rule.owner));
  auto allowed = groups_->check_run(who, t.name, t.group, {host}, rule.group);
  if (!allowed.ok() && allowed.error().code == ErrorCode::forbidden)
    return make_error(ErrorCode::forbidden, "rule owner " + who.who + ": " + allowed.error().message);
  return allowed;
}

Result<HealOutcome> HealService::record_only(const AlertEvent& e, HealOutcome out) {
  if (queued_) {
    queued_->push_back(Queued{&e, 0});
    return out;
  }
  MEND_TRY(store_.transact([&](StoreTx& tx) { return write_event_and_record(tx, e, out, clock_.now_ms()); }));
  return out;
}

Result<GuardFacts> HealService::read_facts(StoreTx& tx, const HealRule& rule, const std::string& host,
                                           const std::string& fingerprint, int64_t now_ms) {
  GuardFacts f;
  MEND_ASSIGN_OR_RETURN(f.active_task_id, tx.active_heal_task(rule.name, host, fingerprint));
  if (rule.cooldown_ms > 0) {
    MEND_ASSIGN_OR_RETURN(f.last_ran_ms, tx.last_heal_run_ms(rule.name, host));
  }
  // "Within window": created after now - window.
  if (rule.max_tasks > 0) {
    MEND_ASSIGN_OR_RETURN(f.ran_in_window, tx.count_heal_runs_since(rule.name, now_ms - rule.window_ms + 1));
  }
  MEND_ASSIGN_OR_RETURN(std::optional<HealBreaker> b, tx.find_heal_breaker(rule.name));
  f.breaker_open = b && b->open;
  if (rule.breaker_failures > 0 && !f.breaker_open) {
    // Runs from the millisecond of the close on count as before it: closing
    // must clear the failures even when nothing has moved the clock since.
    int64_t since = b ? b->closed_ms + 1 : 0;
    MEND_ASSIGN_OR_RETURN(std::vector<HostStatus> statuses,
                          tx.heal_run_statuses(rule.name, since, breaker_lookback(rule)));
    f.consecutive_failures = count_consecutive_failures(statuses);
  }
  return f;
}

Result<TaskSpec> HealService::task_spec(const HealTemplate& t, const AlertEvent& e, const std::string& rule,
                                        const std::string& host) const {
  TaskForm form = template_form(t);
  form.stdin_text = script_stdin_json(e);
  form.action = "start";
  form.creator = "heal:" + rule;
  form.alert_triggered = true;
  form.hosts = {host};
  auto spec = validate_task_form(form);
  if (!spec.ok())
    return make_error(ErrorCode::invalid_input, "template \"" + t.name + "\": " + spec.error().message);
  spec->env = script_env(e, {rule, host});
  return spec;
}

Result<HealOutcome> HealService::handle_firing(const AlertEvent& e, const HealRule& rule, const std::string& host) {
  const HealTemplate* t = rules().find_template(rule.template_name);
  if (!t) return make_error(ErrorCode::internal, "rule " + rule.name + " names missing template " + rule.template_name);
  HealOutcome out;
  out.fingerprint = e.fingerprint;
  out.status = "firing";
  out.rule = rule.name;
  out.host = host;
  // Decide and record a skip in one transaction. A `ran` decision is made
  // again inside the task's transaction (another server sharing the database
  // may have run this alert in between); if it changed, decide once more.
  for (int attempt = 0; attempt < 3; ++attempt) {
    int64_t now = clock_.now_ms();
    Verdict v;
    MEND_TRY(store_.transact([&](StoreTx& tx) -> Result<void> {
      MEND_ASSIGN_OR_RETURN(GuardFacts f, read_facts(tx, rule, host, e.fingerprint, now));
      v = heal::decide(rule, f, now);  // the guardrails, not the member
      if (v.decision == Decision::ran) return ok();  // nothing written
      if (v.opens_breaker) {
        MEND_ASSIGN_OR_RETURN(std::optional<HealBreaker> b, tx.find_heal_breaker(rule.name));
        HealBreaker nb{rule.name, true, now, b ? b->closed_ms : 0, v.reason};
        MEND_TRY(tx.put_heal_breaker(nb));
      }
      out.decision = v.decision;
      out.reason = v.reason;
      return write_event_and_record(tx, e, out, now);
    }));
    if (v.opens_breaker) spdlog::warn("heal: rule {} breaker opened: {}", rule.name, v.reason);
    if (v.decision != Decision::ran) return out;

    MEND_ASSIGN_OR_RETURN(TaskSpec spec, task_spec(*t, e, rule.name, host));
    bool changed = false;
    auto task = engine_.create_task(spec, [&](StoreTx& tx, int64_t task_id) -> Result<void> {
      MEND_ASSIGN_OR_RETURN(GuardFacts f, read_facts(tx, rule, host, e.fingerprint, now));
      if (heal::decide(rule, f, now).decision != Decision::ran) {
        changed = true;
        return make_error(ErrorCode::conflict, "heal decision changed");
      }
      out.decision = Decision::ran;
      out.reason = v.reason;
      out.task_id = task_id;
      return write_event_and_record(tx, e, out, now);
    });
    if (task.ok()) return out;
    if (!changed) return task.error();
    out.task_id.reset();
  }
  return make_error(ErrorCode::unavailable, "heal: the decision kept changing under concurrent writers; retry");
}

Result<HealOutcome> HealService::handle_resolved(const AlertEvent& e, const HealRule& rule, const std::string& host) {
  HealOutcome out;
  out.fingerprint = e.fingerprint;
  out.status = "resolved";
  out.rule = rule.name;
  out.host = host;
  out.decision = Decision::recovered;
  int64_t now = clock_.now_ms();
  // Fills the run's resolve time and records the decision, in `tx`.
  auto resolve = [&](StoreTx& tx, std::string started) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(std::optional<HealRecord> run, tx.resolve_heal_run(rule.name, host, e.fingerprint, now));
    if (run)
      out.reason = "resolved " + format_duration(run->resolve_after_ms.value_or(0)) + " after remediation record " +
                   std::to_string(run->id);
    else
      out.reason = "resolved; no remediation of this alert to update";
    out.reason += started;
    return write_event_and_record(tx, e, out, now);
  };
  const HealTemplate* t = rule.on_resolved.empty() ? nullptr : rules().find_template(rule.on_resolved);
  bool unknown = false;
  std::string forbidden;
  if (t && !rule.dry_run && rule.require_known_host) {
    MEND_ASSIGN_OR_RETURN(bool known, host_known(host));
    unknown = !known;
  }
  if (t && !rule.dry_run && !unknown) {
    auto allowed = owner_may_run(rule, *t, host);
    if (!allowed.ok() && allowed.error().code != ErrorCode::forbidden) return allowed.error();
    if (!allowed.ok()) forbidden = allowed.error().message;
  }
  if (!t || rule.dry_run || unknown || !forbidden.empty()) {
    std::string note = !t ? ""
                       : unknown ? "; host unknown: did not start template " + t->name
                       : !forbidden.empty() ? "; forbidden: did not start template " + t->name + ": " + forbidden
                                 : "; dry run: would start template " + t->name;
    MEND_TRY(store_.transact([&](StoreTx& tx) { return resolve(tx, note); }));
    return out;
  }
  MEND_ASSIGN_OR_RETURN(TaskSpec spec, task_spec(*t, e, rule.name, host));
  MEND_TRY(engine_.create_task(spec, [&](StoreTx& tx, int64_t task_id) -> Result<void> {
    out.task_id = task_id;
    return resolve(tx, "; started template " + t->name);
  }));
  return out;
}

Result<HealService::TemplateRun> HealService::run_template(const std::string& name,
                                                           const std::vector<std::string>& hosts,
                                                           const std::string& creator) {
  const HealTemplate* t = rules().find_template(name);
  if (!t) return make_error(ErrorCode::not_found, "no template \"" + name + "\"");
  TaskForm form = template_form(*t);
  form.action = "start";
  form.creator = creator;
  form.hosts = hosts;
  MEND_ASSIGN_OR_RETURN(TaskSpec spec, validate_task_form(form));
  MEND_ASSIGN_OR_RETURN(int64_t id, engine_.create_task(spec));
  return TemplateRun{id, spec.hosts};
}

// ---- reads

Result<std::vector<HealRecord>> HealService::records(const HealRecordQuery& q) {
  std::vector<HealRecord> out;
  MEND_TRY(store_.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(out, tx.list_heal_records(q));
    return ok();
  }));
  return out;
}

Result<std::vector<RuleStatus>> HealService::rule_statuses(int64_t resolved_within_ms) {
  std::vector<HealRunTally> tallies;
  std::vector<HealBreaker> breakers;
  MEND_TRY(store_.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(tallies, tx.heal_run_tallies(resolved_within_ms));
    MEND_ASSIGN_OR_RETURN(breakers, tx.list_heal_breakers());
    return ok();
  }));
  std::vector<RuleStatus> out;
  std::map<std::string, size_t> index;
  auto entry = [&](const std::string& name) -> RuleStatus& {
    auto it = index.find(name);
    if (it != index.end()) return out[it->second];
    index[name] = out.size();
    out.push_back(RuleStatus{});
    out.back().name = name;
    out.back().breaker.rule = name;
    return out.back();
  };
  for (const auto& r : rules().rules) entry(r.name).origin = to_string(r.origin);
  for (const auto& t : tallies) {
    RuleStatus& s = entry(t.rule);
    s.runs += t.runs;
    s.last_run_ms = std::max(s.last_run_ms, t.last_run_ms);
    auto status = parse_host_status(t.status);
    if (!status) continue;
    if (*status == HostStatus::success) {
      s.successes += t.runs;
      s.resolved_within += t.resolved_within;
    } else if (is_failed_run(*status)) {
      s.failures += t.runs;
    } else if (is_unfinished(*status)) {
      s.unfinished += t.runs;
    }
  }
  for (const auto& b : breakers) entry(b.rule).breaker = b;
  return out;
}

Result<std::vector<HealDecisionCount>> HealService::decision_counts() {
  std::vector<HealDecisionCount> out;
  MEND_TRY(store_.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(out, tx.heal_decision_counts());
    return ok();
  }));
  return out;
}

Result<HealBreaker> HealService::close_breaker(const std::string& rule) {
  HealBreaker b;
  MEND_TRY(store_.transact([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(std::optional<HealBreaker> old, tx.find_heal_breaker(rule));
    if (!old && !rules().find_rule(rule)) return make_error(ErrorCode::not_found, "no rule \"" + rule + "\"");
    b.rule = rule;
    b.open = false;
    b.opened_ms = old ? old->opened_ms : 0;
    b.closed_ms = clock_.now_ms();
    b.reason = "closed";
    return tx.put_heal_breaker(b);
  }));
  spdlog::info("heal: rule {} breaker closed", rule);
  return b;
}

}  // namespace mend::heal
