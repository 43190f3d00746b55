#include "heal/heal_config.hpp"

namespace mend::heal {

const char* to_string(Origin o) { return o == Origin::file ? "file" : "api"; }

const HealTemplate* HealRuleSet::find_template(const std::string& name) const {
  for (const auto& t : templates)
    if (t.name == name) return &t;
  return nullptr;
}

const HealRule* HealRuleSet::find_rule(const std::string& name) const {
  for (const auto& r : rules)
    if (r.name == name) return &r;
  return nullptr;
}

}  // namespace mend::heal
