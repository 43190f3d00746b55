#include "heal/rules_yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/strings.hpp"
#include "engine/task_form.hpp"
#include "heal/duration.hpp"
#include "heal/host_label.hpp"

namespace mend::heal {

namespace {

// Every problem found, so one edit-reload round fixes all of them.
class Problems {
 public:
  explicit Problems(std::string file) : file_(std::move(file)) {}
  void add(const YAML::Mark& m, const std::string& what) {
    // Nodes built from JSON (the API) have no mark: the message alone names the field.
    if (m.line >= 0 && !file_.empty())
      list_.push_back(file_ + ":" + std::to_string(m.line + 1) + ": " + what);
    else
      list_.push_back(what);
  }
  bool empty() const { return list_.empty(); }
  Error error() const { return make_error(ErrorCode::invalid_input, join(list_, "\n")); }

 private:
  std::string file_;
  std::vector<std::string> list_;
};

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 128) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
          c == '.'))
      return false;
  return true;
}

std::optional<std::string> read_string(const YAML::Node& n, const std::string& what, Problems& p) {
  if (n.IsNull()) return std::string();
  if (!n.IsScalar()) {
    p.add(n.Mark(), what + " must be a string");
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<int64_t> read_int(const YAML::Node& n, const std::string& what, int64_t min, int64_t max,
                                Problems& p) {
  std::string text = n.IsScalar() ? n.Scalar() : "";
  size_t used = 0;
  int64_t v = 0;
  bool good = n.IsScalar() && !text.empty();
  if (good) {
    try {
      v = std::stoll(text, &used);
    } catch (const std::exception&) {
      good = false;
    }
  }
  if (!good || used != text.size()) {
    p.add(n.Mark(), what + " must be an integer");
    return std::nullopt;
  }
  if (v < min || v > max) {
    p.add(n.Mark(), what + " must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> read_bool(const YAML::Node& n, const std::string& what, Problems& p) {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "True" || s == "yes") return true;
    if (s == "false" || s == "False" || s == "no") return false;
  }
  p.add(n.Mark(), what + " must be true or false");
  return std::nullopt;
}

std::optional<int64_t> read_duration(const YAML::Node& n, const std::string& what, Problems& p) {
  auto text = read_string(n, what, p);
  if (!text) return std::nullopt;
  auto ms = parse_duration_ms(*text);
  if (!ms.ok()) {
    p.add(n.Mark(), what + ": " + ms.error().message);
    return std::nullopt;
  }
  return *ms;
}

// Ibex's timeout is seconds; a duration string reads more clearly in a file.
std::optional<int64_t> read_timeout_s(const YAML::Node& n, const std::string& what, Problems& p) {
  std::optional<int64_t> s;
  if (n.IsScalar() && !n.Scalar().empty() && n.Scalar().find_first_not_of("0123456789") == std::string::npos) {
    s = read_int(n, what, 0, kMaxTimeoutSeconds, p);
  } else {
    auto ms = read_duration(n, what, p);
    if (!ms) return std::nullopt;
    if (*ms % 1000 != 0) {
      p.add(n.Mark(), what + " must be whole seconds");
      return std::nullopt;
    }
    s = *ms / 1000;
    if (*s > kMaxTimeoutSeconds) {
      p.add(n.Mark(), what + " must be at most 5 days (Ibex's limit)");
      return std::nullopt;
    }
  }
  return s;
}

std::optional<std::string> read_name(const YAML::Node& n, const std::string& what, Problems& p) {
  auto s = read_string(n, what, p);
  if (!s) return std::nullopt;
  if (!valid_name(*s)) {
    p.add(n.Mark(), what + " \"" + *s + "\" must be 1-128 characters of A-Z a-z 0-9 _ - .");
    return std::nullopt;
  }
  return s;
}

void require(bool present, const YAML::Node& at, const std::string& what, Problems& p) {
  if (!present) p.add(at.Mark(), what + " is required");
}

// `name_inside`: the API form carries the name as a key; the file keys
// templates by name.
std::optional<HealTemplate> read_template(const YAML::Node& n, std::string name, bool name_inside, Problems& p) {
  std::string where = name.empty() ? "template" : "template \"" + name + "\"";
  if (!n.IsMap()) {
    p.add(n.Mark(), where + " must be a mapping");
    return std::nullopt;
  }
  HealTemplate t;
  t.name = name;
  bool good = true, has_title = false, has_account = false, has_script = false, has_name = !name_inside;
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string key = it->first.as<std::string>("");
    YAML::Node v = it->second;  // a copy: iterators hand out temporaries
    std::string what = where + ": " + key;
    auto str = [&](std::string& out) {
      auto s = read_string(v, what, p);
      // A NUL would be stored whole but cut where the agent runs the script
      // (an account "nobody\0root" runs as nobody).
      if (s && s->find('\0') != std::string::npos) {
        p.add(v.Mark(), what + " contains a NUL byte");
        s.reset();
      }
      if (s) out = *s;
      else good = false;
    };
    auto num = [&](int& out, int64_t max) {
      auto i = read_int(v, what, 0, max, p);
      if (i) out = static_cast<int>(*i);
      else good = false;
    };
    if (key == "name" && name_inside) {
      auto s = read_name(v, "template name", p);
      if (s) t.name = *s;
      else good = false;
      has_name = true;
      where = "template \"" + t.name + "\"";
    } else if (key == "title") {
      str(t.title);
      has_title = !t.title.empty();
    } else if (key == "account") {
      str(t.account);
      has_account = !t.account.empty();
    } else if (key == "script") {
      str(t.script);
      has_script = !t.script.empty();
    } else if (key == "args") {
      str(t.args);
    } else if (key == "pause") {
      str(t.pause);
    } else if (key == "group") {
      str(t.group);
    } else if (key == "batch") {
      num(t.batch, 1'000'000);
    } else if (key == "tolerance") {
      num(t.tolerance, 1'000'000);
    } else if (key == "timeout") {
      auto s = read_timeout_s(v, what, p);
      if (s) t.timeout_s = static_cast<int>(*s);
      else good = false;
    } else {
      p.add(it->first.Mark(), where + ": unknown key \"" + key +
                                  "\" (known: title, account, script, args, batch, tolerance, timeout, pause, group)");
      good = false;
    }
  }
  require(has_name, n, where + ": name", p);
  require(has_title, n, where + ": title", p);
  require(has_account, n, where + ": account", p);
  require(has_script, n, where + ": script", p);
  if (!good || !has_name || !has_title || !has_account || !has_script) return std::nullopt;
  return t;
}

std::optional<std::vector<std::string>> read_string_list(const YAML::Node& n, const std::string& what,
                                                         Problems& p) {
  if (!n.IsSequence()) {
    p.add(n.Mark(), what + " must be a list of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool good = true;
  for (const auto& e : n) {
    auto s = read_string(e, what + " entries", p);
    if (s) out.push_back(*s);
    else good = false;
  }
  if (!good) return std::nullopt;
  return out;
}

std::optional<HealRule> read_rule(const YAML::Node& n, Problems& p) {
  std::string where = "rule";
  if (!n.IsMap()) {
    p.add(n.Mark(), "a rule must be a mapping");
    return std::nullopt;
  }
  // The name first, so every later message can say which rule it is about.
  if (n["name"] && n["name"].IsScalar()) where = "rule \"" + n["name"].Scalar() + "\"";
  HealRule r;
  r.host_labels = default_host_labels();
  bool good = true, has_name = false, has_template = false, has_max = false, has_window = false;
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string key = it->first.as<std::string>("");
    YAML::Node v = it->second;  // a copy: iterators hand out temporaries
    std::string what = where + ": " + key;
    if (key == "name") {
      auto s = read_name(v, "rule name", p);
      if (s) r.name = *s;
      else good = false;
      has_name = true;
    } else if (key == "matchers") {
      if (!v.IsSequence()) {
        p.add(v.Mark(), what + " must be a list of matcher strings like 'alertname=\"DiskFull\"'");
        good = false;
        continue;
      }
      for (const auto& m : v) {
        auto text = read_string(m, what + " entries", p);
        if (!text) {
          good = false;
          continue;
        }
        auto parsed = parse_matcher(*text);
        if (!parsed.ok()) {
          p.add(m.Mark(), what + ": '" + *text + "': " + parsed.error().message);
          good = false;
        } else {
          r.matchers.push_back(std::move(*parsed));
        }
      }
    } else if (key == "template") {
      auto s = read_string(v, what, p);
      if (s) r.template_name = *s;
      else good = false;
      has_template = s && !s->empty();
    } else if (key == "host_labels") {
      auto l = read_string_list(v, what, p);
      if (l && l->empty()) {
        p.add(v.Mark(), what + " must name at least one label");
        good = false;
      } else if (l) {
        r.host_labels = *l;
      } else {
        good = false;
      }
    } else if (key == "cooldown" || key == "window") {
      auto ms = read_duration(v, what, p);
      if (!ms) good = false;
      else if (key == "cooldown") r.cooldown_ms = *ms;
      else r.window_ms = *ms, has_window = *ms > 0;
    } else if (key == "max_tasks") {
      auto i = read_int(v, what, 0, 1'000'000, p);
      if (i) r.max_tasks = static_cast<int>(*i), has_max = *i > 0;
      else good = false;
    } else if (key == "breaker_failures") {
      auto i = read_int(v, what, 0, 1'000'000, p);
      if (i) r.breaker_failures = static_cast<int>(*i);
      else good = false;
    } else if (key == "dry_run") {
      auto b = read_bool(v, what, p);
      if (b) r.dry_run = *b;
      else good = false;
    } else if (key == "on_resolved") {
      auto s = read_string(v, what, p);
      if (s) r.on_resolved = *s;
      else good = false;
    } else if (key == "require_known_host") {
      auto b = read_bool(v, what, p);
      if (b) r.require_known_host = *b;
      else good = false;
    } else if (key == "group" || key == "owner") {
      auto s = read_string(v, what, p);
      if (s) (key == "group" ? r.group : r.owner) = *s;
      else good = false;
    } else {
      p.add(it->first.Mark(), where + ": unknown key \"" + key +
                                  "\" (known: name, matchers, template, host_labels, cooldown, max_tasks, "
                                  "window, breaker_failures, dry_run, on_resolved, require_known_host, group, owner)");
      good = false;
    }
  }
  require(has_name, n, where + ": name", p);
  require(has_template, n, where + ": template", p);
  if (has_max != has_window) {
    p.add(n.Mark(), where + ": max_tasks and window go together (a storm cap is max_tasks per window)");
    good = false;
  }
  if (!good || !has_name || !has_template) return std::nullopt;
  return r;
}

// Locations of references, for line numbers in reference errors.
struct RuleMarks {
  YAML::Mark rule, templ, on_resolved;
};

Result<YAML::Node> load_yaml(std::string_view text, const std::string& file) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::invalid_input,
                      file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

YAML::Node json_to_yaml(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      YAML::Node n(YAML::NodeType::Map);
      for (auto& [k, v] : j.items()) n[k] = json_to_yaml(v);
      return n;
    }
    case nlohmann::json::value_t::array: {
      YAML::Node n(YAML::NodeType::Sequence);
      for (auto& v : j) n.push_back(json_to_yaml(v));
      return n;
    }
    case nlohmann::json::value_t::null: return YAML::Node(YAML::NodeType::Null);
    case nlohmann::json::value_t::string: return YAML::Node(j.get<std::string>());
    default: return YAML::Node(j.dump());
  }
}

Result<YAML::Node> json_object_body(std::string_view body, const char* what) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return make_error(ErrorCode::invalid_input, std::string(what) + " body must be a JSON object");
  return json_to_yaml(j);
}

// " (known: a, b)" or " (no templates are defined)", for an unknown-template problem.
std::string known_templates_text(const std::set<std::string>& names) {
  if (names.empty()) return " (no templates are defined)";
  return " (known: " + join(std::vector<std::string>(names.begin(), names.end()), ", ") + ")";
}

}  // namespace

Result<HealRuleSet> parse_rules_yaml(std::string_view text, const std::string& file,
                                     const std::set<std::string>& other_templates) {
  // yaml-cpp throws; every throw is caught here, at the boundary.
  try {
    MEND_ASSIGN_OR_RETURN(YAML::Node root, load_yaml(text, file));
    HealRuleSet set;
    if (root.IsNull()) return set;
    Problems p(file);
    if (!root.IsMap()) {
      p.add(root.Mark(), "the rules file must be a mapping with keys templates and rules");
      return p.error();
    }
    std::vector<RuleMarks> marks;
    std::map<std::string, YAML::Mark> template_marks;
    for (auto it = root.begin(); it != root.end(); ++it) {
      std::string key = it->first.as<std::string>("");
      YAML::Node v = it->second;  // a copy: iterators hand out temporaries
      if (key == "templates") {
        if (v.IsNull()) continue;
        if (!v.IsMap()) {
          p.add(v.Mark(), "templates must be a mapping from template name to template");
          continue;
        }
        for (auto t = v.begin(); t != v.end(); ++t) {
          std::string name = t->first.as<std::string>("");
          if (!valid_name(name)) {
            p.add(t->first.Mark(), "template name \"" + name + "\" must be 1-128 characters of A-Z a-z 0-9 _ - .");
            continue;
          }
          if (template_marks.count(name)) {
            p.add(t->first.Mark(), "template \"" + name + "\" is defined twice");
            continue;
          }
          template_marks[name] = t->first.Mark();
          if (auto parsed = read_template(t->second, name, false, p)) set.templates.push_back(std::move(*parsed));
        }
      } else if (key == "rules") {
        if (v.IsNull()) continue;
        if (!v.IsSequence()) {
          p.add(v.Mark(), "rules must be a list of rules");
          continue;
        }
        for (const auto& r : v) {
          auto parsed = read_rule(r, p);
          if (!parsed) continue;
          if (set.find_rule(parsed->name)) {
            p.add(r.Mark(), "rule \"" + parsed->name + "\" is defined twice");
            continue;
          }
          marks.push_back({r.Mark(), r["template"].Mark(), r["on_resolved"] ? r["on_resolved"].Mark() : r.Mark()});
          set.rules.push_back(std::move(*parsed));
        }
      } else {
        p.add(it->first.Mark(), "unknown key \"" + key + "\" (known: templates, rules)");
      }
    }
    auto known = [&](const std::string& name) {
      return template_marks.count(name) > 0 || other_templates.count(name) > 0;
    };
    std::set<std::string> all_templates = other_templates;
    for (const auto& [name, mark] : template_marks) all_templates.insert(name);
    for (size_t i = 0; i < set.rules.size(); ++i) {
      const HealRule& r = set.rules[i];
      if (!known(r.template_name))
        p.add(marks[i].templ, "rule \"" + r.name + "\": unknown template \"" + r.template_name + "\"" +
                                  known_templates_text(all_templates));
      if (!r.on_resolved.empty() && !known(r.on_resolved))
        p.add(marks[i].on_resolved, "rule \"" + r.name + "\": on_resolved names unknown template \"" +
                                        r.on_resolved + "\"" + known_templates_text(all_templates));
    }
    if (!p.empty()) return p.error();
    return set;
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::invalid_input, file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<HealTemplate> parse_template_json(std::string_view body) {
  try {
    MEND_ASSIGN_OR_RETURN(YAML::Node n, json_object_body(body, "template"));
    Problems p("");
    auto t = read_template(n, "", true, p);
    if (!t) return p.error();
    t->origin = Origin::api;
    return *t;
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::invalid_input, "template: " + e.msg);
  }
}

Result<HealRule> parse_rule_json(std::string_view body) {
  try {
    MEND_ASSIGN_OR_RETURN(YAML::Node n, json_object_body(body, "rule"));
    Problems p("");
    auto r = read_rule(n, p);
    if (!r) return p.error();
    r->origin = Origin::api;
    return *r;
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::invalid_input, "rule: " + e.msg);
  }
}

Result<void> check_references(const HealRuleSet& set) {
  std::vector<std::string> problems;
  std::set<std::string> templates, rules;
  for (const auto& t : set.templates)
    if (!templates.insert(t.name).second)
      problems.push_back("template \"" + t.name + "\" is defined twice (" + to_string(t.origin) + ")");
  for (const auto& r : set.rules) {
    if (!rules.insert(r.name).second)
      problems.push_back("rule \"" + r.name + "\" is defined twice (" + to_string(r.origin) + ")");
    if (!templates.count(r.template_name))
      problems.push_back("rule \"" + r.name + "\": unknown template \"" + r.template_name + "\"" +
                         known_templates_text(templates));
    if (!r.on_resolved.empty() && !templates.count(r.on_resolved))
      problems.push_back("rule \"" + r.name + "\": on_resolved names unknown template \"" + r.on_resolved + "\"" +
                         known_templates_text(templates));
  }
  if (!problems.empty()) return make_error(ErrorCode::invalid_input, join(problems, "\n"));
  return ok();
}

nlohmann::json to_json(const HealTemplate& t, bool with_origin) {
  nlohmann::json j{{"name", t.name},   {"title", t.title},         {"account", t.account},
                   {"script", t.script}, {"args", t.args},         {"batch", t.batch},
                   {"tolerance", t.tolerance}, {"timeout", t.timeout_s}, {"pause", t.pause},
                   {"group", t.group}};
  if (with_origin) j["origin"] = to_string(t.origin);
  return j;
}

nlohmann::json to_json(const HealRule& r, bool with_origin) {
  nlohmann::json matchers = nlohmann::json::array();
  for (const auto& m : r.matchers) matchers.push_back(m.text());
  nlohmann::json j{{"name", r.name},
                   {"matchers", matchers},
                   {"template", r.template_name},
                   {"host_labels", r.host_labels},
                   {"cooldown", format_duration(r.cooldown_ms)},
                   {"max_tasks", r.max_tasks},
                   {"window", format_duration(r.window_ms)},
                   {"breaker_failures", r.breaker_failures},
                   {"dry_run", r.dry_run},
                   {"on_resolved", r.on_resolved},
                   {"require_known_host", r.require_known_host},
                   {"group", r.group},
                   {"owner", r.owner}};
  if (with_origin) j["origin"] = to_string(r.origin);
  return j;
}

Result<HealRuleSet> read_rules_file(const std::string& path, const std::set<std::string>& other_templates) {
  std::ifstream f(path);
  // Why it could not be read (missing, a directory, no permission) is the first thing one asks.
  if (!f) return make_error(ErrorCode::invalid_input, "cannot read rules file " + path + ": " + std::strerror(errno));
  std::stringstream text;
  text << f.rdbuf();
  return parse_rules_yaml(text.str(), path, other_templates);
}

}  // namespace mend::heal
