// `mendctl heal check-rules FILE` (offline, like amtool check-config) and
// `mendctl reload` (the server rereads its rules file).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "cli/commands.hpp"
#include "heal/rules_yaml.hpp"

namespace mend::cli {

int check_rules_command(const std::string& path, const std::vector<std::string>& known_templates, Console& console) {
  std::ifstream in(path);
  if (!in) {
    return report_error(console, make_error(ErrorCode::invalid_input,
                                            "cannot read rules file " + path + ": " + std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  std::set<std::string> others(known_templates.begin(), known_templates.end());
  auto set = heal::parse_rules_yaml(text.str(), path, others);
  if (!set.ok()) {
    console.err << set.error().message << '\n';
    return kExitHostsFailed;
  }
  console.out << path << ": " << set->templates.size() << (set->templates.size() == 1 ? " template, " : " templates, ")
              << set->rules.size() << (set->rules.size() == 1 ? " rule" : " rules") << ": OK\n";
  return kExitOk;
}

int reload_command(const ServerApi& api, Console& console) {
  auto done = api.reload();
  if (!done) return report_error(console, done.error());
  console.out << "rules reloaded: " << done->value("rules", 0) << " rules, " << done->value("templates", 0)
              << " templates in use\n";
  return kExitOk;
}

}  // namespace mend::cli
