#pragma once
// The heal rule catalog: which templates and rules are in use, where they come
// from (the rules file, or the API and then the store), and how the API
// changes them. The alert decisions (heal_service.hpp) only read it.
//
// One path for every change: a template and a rule are created, replaced and
// deleted the same way (RuleCatalog::create / replace / remove, with T one of
// HealTemplate, HealRule):
//   create   refuses a name in use (conflict);
//   replace  refuses an unknown name (not_found) and a body naming another
//            (invalid_input);
//   remove   refuses an unknown name (not_found), and a template that a rule
//            uses (conflict);
//   all      refuse a name from the rules file, which only the file changes
//            (conflict), and any change that would leave a rule naming an
//            unknown template (invalid_input). A change is stored first, then
//            put in use; on any error the rules in use stay as they were.
// A saved rule's owner is `owner` (auth::owner_of the caller), whatever the
// body says; templates have no owner and ignore it. API rules decide in name
// order, after the file's.
//
// Threading: not thread-safe; the server calls it from its one io thread.
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "heal/heal_config.hpp"
#include "store/store.hpp"

namespace mend::heal {

class RuleCatalog {
 public:
  // `store` and `clock` must outlive the catalog.
  RuleCatalog(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Loads the API-managed templates and rules from the store, then the rules
  // file if a path is given (kept for reload). Errors: invalid_input with every
  // problem and its line; unavailable when the store is.
  Result<void> start(const std::string& rules_path);
  // Re-reads the rules file and the API definitions. On any error the rules in
  // use stay as they were.
  Result<void> reload();

  // The rules in use: file ones, then API ones.
  const HealRuleSet& rules() const { return active_; }

  // T is HealTemplate or HealRule; see the header comment for the errors.
  template <class T>
  Result<T> create(std::string_view body, const std::string& owner = "");
  template <class T>
  Result<T> replace(const std::string& name, std::string_view body, const std::string& owner = "");
  template <class T>
  Result<void> remove(const std::string& name);

 private:
  template <class T>
  Result<T> save(const std::string* path_name, std::string_view body, const std::string& owner);
  Result<HealRuleSet> load_api_set();

  Store& store_;
  const Clock& clock_;
  std::string rules_path_;
  HealRuleSet file_;
  HealRuleSet api_;
  HealRuleSet active_;
};

}  // namespace mend::heal
