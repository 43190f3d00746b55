#pragma once
// Label matchers in Alertmanager's syntax: `alertname="DiskFull"`,
// `severity=~"critical|page"`, `team!="db"`, `env!~"dev|test"`. Regexes are
// anchored at both ends, as in Alertmanager; a label that is absent matches
// as the empty string. Values may be double-quoted (with \" \\ \n escapes) or
// bare.
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace mend::heal {

enum class MatchOp { equal, not_equal, regex, not_regex };

struct Matcher {
  std::string name;
  MatchOp op = MatchOp::equal;
  std::string value;
  std::shared_ptr<const std::regex> re;  // set for regex ops; shared so Matchers copy cheaply

  bool matches(const std::map<std::string, std::string>& labels) const;
  // Back in Alertmanager syntax, value always quoted.
  std::string text() const;
};

// Errors: invalid_input, "column N: ..." (1-based, counting bytes).
Result<Matcher> parse_matcher(std::string_view text);

bool matches_all(const std::vector<Matcher>& matchers, const std::map<std::string, std::string>& labels);

}  // namespace mend::heal
