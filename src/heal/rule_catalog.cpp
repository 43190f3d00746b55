#include "heal/rule_catalog.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <type_traits>

#include "heal/rules_yaml.hpp"

namespace mend::heal {

namespace {

// What differs between a template and a rule: the rest of the catalog is one path.
template <class T>
struct Definition;

template <>
struct Definition<HealTemplate> {
  static constexpr const char* word = "template";
  static constexpr HealDefinitionKind kind = HealDefinitionKind::heal_template;
  static Result<HealTemplate> parse(std::string_view body) { return parse_template_json(body); }
  static std::vector<HealTemplate>& of(HealRuleSet& s) { return s.templates; }
};

template <>
struct Definition<HealRule> {
  static constexpr const char* word = "rule";
  static constexpr HealDefinitionKind kind = HealDefinitionKind::heal_rule;
  static Result<HealRule> parse(std::string_view body) { return parse_rule_json(body); }
  static std::vector<HealRule>& of(HealRuleSet& s) { return s.rules; }
};

template <class T>
T* find_named(std::vector<T>& v, const std::string& name) {
  for (auto& x : v)
    if (x.name == name) return &x;
  return nullptr;
}

template <class T>
std::string quoted(const std::string& name) {
  return std::string(Definition<T>::word) + " \"" + name + "\"";
}

std::set<std::string> template_names(const HealRuleSet& s) {
  std::set<std::string> out;
  for (const auto& t : s.templates) out.insert(t.name);
  return out;
}

// The set in use that `file` and `api` make, after checking they fit together.
Result<HealRuleSet> combine(const HealRuleSet& file, const HealRuleSet& api) {
  HealRuleSet all = file;
  all.templates.insert(all.templates.end(), api.templates.begin(), api.templates.end());
  all.rules.insert(all.rules.end(), api.rules.begin(), api.rules.end());
  MEND_TRY(check_references(all));
  return all;
}

// Stored bodies passed validation when they were written; one that no longer
// does (an older Mend wrote it) is an error to fix, not a definition to skip quietly.
template <class T>
Result<void> load_stored(StoreTx& tx, HealRuleSet& set) {
  using D = Definition<T>;
  MEND_ASSIGN_OR_RETURN(std::vector<HealDefinition> stored, tx.list_heal_definitions(D::kind));
  for (const auto& d : stored) {
    auto x = D::parse(d.body);
    if (!x.ok()) return make_error(ErrorCode::internal, "stored " + quoted<T>(d.name) + ": " + x.error().message);
    D::of(set).push_back(std::move(*x));
  }
  return ok();
}

}  // namespace

Result<HealRuleSet> RuleCatalog::load_api_set() {
  HealRuleSet set;
  MEND_TRY(store_.read([&](StoreTx& tx) -> Result<void> {
    set = HealRuleSet{};
    MEND_TRY(load_stored<HealTemplate>(tx, set));
    return load_stored<HealRule>(tx, set);
  }));
  return set;
}

Result<void> RuleCatalog::start(const std::string& rules_path) {
  rules_path_ = rules_path;
  return reload();
}

Result<void> RuleCatalog::reload() {
  MEND_ASSIGN_OR_RETURN(HealRuleSet api, load_api_set());
  HealRuleSet file;
  if (!rules_path_.empty()) {
    MEND_ASSIGN_OR_RETURN(file, read_rules_file(rules_path_, template_names(api)));
  }
  MEND_ASSIGN_OR_RETURN(HealRuleSet all, combine(file, api));
  file_ = std::move(file);
  api_ = std::move(api);
  active_ = std::move(all);
  spdlog::info("heal: {} rules and {} templates in use", active_.rules.size(), active_.templates.size());
  return ok();
}

// Every change: a new API set, checked against the file's, written to the
// store, and only then put in use.
template <class T>
Result<T> RuleCatalog::save(const std::string* path_name, std::string_view body, const std::string& owner) {
  using D = Definition<T>;
  MEND_ASSIGN_OR_RETURN(T x, D::parse(body));
  if constexpr (std::is_same_v<T, HealRule>) x.owner = owner;
  if (path_name && x.name != *path_name)
    return make_error(ErrorCode::invalid_input, "the body names " + quoted<T>(x.name) + ", the path \"" +
                                                    *path_name + "\"");
  if (find_named(D::of(file_), x.name))
    return make_error(ErrorCode::conflict, quoted<T>(x.name) + " is defined in the rules file; change it there");
  HealRuleSet api = api_;
  T* old = find_named(D::of(api), x.name);
  if (!path_name && old) return make_error(ErrorCode::conflict, quoted<T>(x.name) + " exists");
  if (path_name && !old) return make_error(ErrorCode::not_found, "no " + quoted<T>(x.name));
  if (old) {
    *old = x;
  } else {
    D::of(api).push_back(x);
    // API rules decide in name order, after the file's.
    if constexpr (std::is_same_v<T, HealRule>)
      std::sort(api.rules.begin(), api.rules.end(), [](const HealRule& a, const HealRule& b) { return a.name < b.name; });
  }
  MEND_ASSIGN_OR_RETURN(HealRuleSet all, combine(file_, api));
  MEND_TRY(store_.transact(
      [&](StoreTx& tx) { return tx.put_heal_definition(D::kind, x.name, to_json(x).dump(), clock_.now_ms()); }));
  api_ = std::move(api);
  active_ = std::move(all);
  return x;
}

template <class T>
Result<T> RuleCatalog::create(std::string_view body, const std::string& owner) {
  return save<T>(nullptr, body, owner);
}

template <class T>
Result<T> RuleCatalog::replace(const std::string& name, std::string_view body, const std::string& owner) {
  return save<T>(&name, body, owner);
}

template <class T>
Result<void> RuleCatalog::remove(const std::string& name) {
  using D = Definition<T>;
  if (find_named(D::of(file_), name))
    return make_error(ErrorCode::conflict, quoted<T>(name) + " is defined in the rules file; change it there");
  HealRuleSet api = api_;
  if (!find_named(D::of(api), name)) return make_error(ErrorCode::not_found, "no " + quoted<T>(name));
  if constexpr (std::is_same_v<T, HealTemplate>) {
    for (const auto& r : active_.rules)
      if (r.template_name == name || r.on_resolved == name)
        return make_error(ErrorCode::conflict, quoted<T>(name) + " is used by rule \"" + r.name + "\"");
  }
  std::erase_if(D::of(api), [&](const T& x) { return x.name == name; });
  MEND_ASSIGN_OR_RETURN(HealRuleSet all, combine(file_, api));
  MEND_TRY(store_.transact([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(bool gone, tx.delete_heal_definition(D::kind, name));
    (void)gone;  // already gone (another server deleted it) is gone all the same
    return ok();
  }));
  api_ = std::move(api);
  active_ = std::move(all);
  return ok();
}

template Result<HealTemplate> RuleCatalog::create<HealTemplate>(std::string_view, const std::string&);
template Result<HealRule> RuleCatalog::create<HealRule>(std::string_view, const std::string&);
template Result<HealTemplate> RuleCatalog::replace<HealTemplate>(const std::string&, std::string_view,
                                                                 const std::string&);
template Result<HealRule> RuleCatalog::replace<HealRule>(const std::string&, std::string_view, const std::string&);
template Result<void> RuleCatalog::remove<HealTemplate>(const std::string&);
template Result<void> RuleCatalog::remove<HealRule>(const std::string&);

}  // namespace mend::heal
