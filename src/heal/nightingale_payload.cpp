// Nightingale's event JSON (AlertCurEvent), as its callbacks and webhooks send
// it: v5 and v6 rule callbacks and global webhooks (one event, or a list when
// batched), v7's too, and v8's notification rules through the "Callback"
// channel (its body template `{{ jsonMarshal $events }}`: a list). Fields are
// read by their JSON names of models/alert_cur_event.go at v6.7.3, v7.7.2 and
// v8.5.1; the ones added since (target, notify_rules, ...) are ignored.
#include "common/strings.hpp"
#include "heal/payload_fields.hpp"
#include "heal/payloads.hpp"

namespace mend::heal {

namespace {

using fields::json;
const std::string kKind = "nightingale";

// "key=value"; the value may itself contain '='.
Result<void> add_tag(std::map<std::string, std::string>& tags, const std::string& tag, const std::string& path) {
  std::string t = trim(tag);
  if (t.empty()) return ok();
  auto eq = t.find('=');
  if (eq == std::string::npos || eq == 0) return fields::bad(kKind, path, "\"" + t + "\" is not key=value");
  tags[t.substr(0, eq)] = t.substr(eq + 1);
  return ok();
}

Result<std::map<std::string, std::string>> read_tags(const json& ev, const std::string& path) {
  std::map<std::string, std::string> tags;
  auto it = ev.find("tags");
  if (it == ev.end() || it->is_null()) return tags;
  if (it->is_string()) {
    // The database form, which some versions also put in JSON.
    for (auto& t : split(it->get<std::string>(), ",,")) MEND_TRY(add_tag(tags, t, path + "tags"));
    return tags;
  }
  if (!it->is_array()) return fields::bad(kKind, path + "tags", "must be a list of \"key=value\" strings");
  for (size_t i = 0; i < it->size(); ++i) {
    std::string p = path + "tags[" + std::to_string(i) + "]";
    if (!(*it)[i].is_string()) return fields::bad(kKind, p, "must be a string");
    MEND_TRY(add_tag(tags, (*it)[i].get<std::string>(), p));
  }
  return tags;
}

// Every version from v6 on sends tags_map beside tags (the same pairs, as an
// object); a sender that fills only one of them (a v8 body template, say)
// still gets its labels. Where both name a key, tags wins.
Result<void> merge_tags_map(std::map<std::string, std::string>& tags, const json& ev, const std::string& path) {
  auto it = ev.find("tags_map");
  if (it == ev.end() || it->is_null()) return ok();
  MEND_ASSIGN_OR_RETURN(auto extra, fields::string_map(kKind, ev, "tags_map", path));
  for (auto& [k, v] : extra) tags.emplace(k, std::move(v));
  return ok();
}

// Numbers or strings: Nightingale sends severity as a number, and
// trigger_value as a string, but hand-written senders mix them up.
Result<std::string> scalar_text(const json& ev, const std::string& key, const std::string& path) {
  auto it = ev.find(key);
  if (it == ev.end() || it->is_null()) return std::string();
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  if (it->is_number()) return it->dump();
  return fields::bad(kKind, path + key, "must be a string or a number");
}

Result<int64_t> unix_seconds_ms(const json& ev, const std::string& key, const std::string& path) {
  auto it = ev.find(key);
  if (it == ev.end() || it->is_null()) return int64_t{0};
  if (!it->is_number_integer()) return fields::bad(kKind, path + key, "must be an integer (unix seconds)");
  return it->get<int64_t>() * 1000;
}

Result<AlertEvent> parse_event(const json& ev, const std::string& path) {
  if (!ev.is_object()) return fields::bad(kKind, path.empty() ? "body" : path.substr(0, path.size() - 1),
                                          "must be an event object");
  AlertEvent e;
  e.source = kKind;
  MEND_ASSIGN_OR_RETURN(e.labels, read_tags(ev, path));
  MEND_TRY(merge_tags_map(e.labels, ev, path));
  MEND_ASSIGN_OR_RETURN(e.target, fields::optional_string(kKind, ev, "target_ident", path));
  MEND_ASSIGN_OR_RETURN(e.name, fields::optional_string(kKind, ev, "rule_name", path));
  MEND_ASSIGN_OR_RETURN(e.severity, scalar_text(ev, "severity", path));
  MEND_ASSIGN_OR_RETURN(e.trigger_value, scalar_text(ev, "trigger_value", path));
  MEND_ASSIGN_OR_RETURN(e.fingerprint, fields::optional_string(kKind, ev, "hash", path));
  if (auto it = ev.find("is_recovered"); it != ev.end() && !it->is_null()) {
    if (!it->is_boolean()) return fields::bad(kKind, path + "is_recovered", "must be true or false");
    e.resolved = it->get<bool>();
  }
  // Older versions send annotations as a JSON string; only the object form is read.
  if (auto it = ev.find("annotations"); it != ev.end() && it->is_object()) {
    MEND_ASSIGN_OR_RETURN(e.annotations, fields::string_map(kKind, ev, "annotations", path));
  }
  MEND_ASSIGN_OR_RETURN(e.starts_ms, unix_seconds_ms(ev, "first_trigger_time", path));
  if (e.starts_ms == 0) {
    MEND_ASSIGN_OR_RETURN(e.starts_ms, unix_seconds_ms(ev, "trigger_time", path));
  }
  MEND_ASSIGN_OR_RETURN(e.ends_ms, unix_seconds_ms(ev, "recover_time", path));
  if (e.labels.empty() && e.target.empty() && e.name.empty())
    return fields::bad(kKind, path.empty() ? "body" : path.substr(0, path.size() - 1),
                       "has no tags, target_ident or rule_name");
  if (e.fingerprint.empty()) e.fingerprint = fingerprint_of(matchable_labels(e));
  return e;
}

}  // namespace

Result<std::vector<AlertEvent>> parse_nightingale(std::string_view body) {
  MEND_ASSIGN_OR_RETURN(json j, fields::parse_body(kKind, body));
  return fields::one_or_list(j, parse_event);
}

}  // namespace mend::heal
