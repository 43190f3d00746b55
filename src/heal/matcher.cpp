#include "heal/matcher.hpp"

namespace mend::heal {

namespace {

Error at(size_t pos, const std::string& what) {
  return make_error(ErrorCode::invalid_input, "column " + std::to_string(pos + 1) + ": " + what);
}

bool name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

std::string quote(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

bool Matcher::matches(const std::map<std::string, std::string>& labels) const {
  auto it = labels.find(name);
  const std::string empty;
  const std::string& v = it == labels.end() ? empty : it->second;
  switch (op) {
    case MatchOp::equal: return v == value;
    case MatchOp::not_equal: return v != value;
    case MatchOp::regex: return std::regex_match(v, *re);
    case MatchOp::not_regex: return !std::regex_match(v, *re);
  }
  return false;
}

std::string Matcher::text() const {
  const char* ops[] = {"=", "!=", "=~", "!~"};
  return name + ops[static_cast<int>(op)] + quote(value);
}

Result<Matcher> parse_matcher(std::string_view t) {
  size_t i = 0;
  auto skip_space = [&] {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
  };
  skip_space();
  Matcher m;
  size_t name_start = i;
  while (i < t.size() && name_char(t[i], i == name_start)) ++i;
  if (i == name_start) {
    if (i >= t.size()) return at(i, "expected a label name, found the end");
    return at(i, std::string("expected a label name, found '") + t[i] + "'");
  }
  m.name = std::string(t.substr(name_start, i - name_start));
  skip_space();
  size_t op_pos = i;
  auto rest = t.substr(i);
  if (rest.substr(0, 2) == "=~") {
    m.op = MatchOp::regex;
    i += 2;
  } else if (rest.substr(0, 2) == "!~") {
    m.op = MatchOp::not_regex;
    i += 2;
  } else if (rest.substr(0, 2) == "!=") {
    m.op = MatchOp::not_equal;
    i += 2;
  } else if (rest.substr(0, 2) == "==") {
    return at(op_pos, "'==' is not an operator here: equality is one '=' (" + m.name + "=\"value\")");
  } else if (rest.substr(0, 1) == "=") {
    m.op = MatchOp::equal;
    i += 1;
  } else {
    return at(op_pos, "expected one of =, !=, =~, !~ after '" + m.name + "'");
  }
  skip_space();
  if (i < t.size() && t[i] == '"') {
    size_t open = i++;
    bool closed = false;
    while (i < t.size()) {
      char c = t[i++];
      if (c == '"') {
        closed = true;
        break;
      }
      if (c == '\\') {
        if (i >= t.size()) break;
        char e = t[i++];
        if (e == 'n') m.value += '\n';
        else if (e == '"' || e == '\\') m.value += e;
        else return at(i - 2, std::string("unknown escape '\\") + e + "'");
        continue;
      }
      m.value += c;
    }
    if (!closed) return at(open, "unterminated quoted value");
    skip_space();
    if (i != t.size()) return at(i, "unexpected text after the quoted value");
  } else {
    // A bare value runs to the end, as Alertmanager's matcher parser allows.
    size_t end = t.size();
    while (end > i && (t[end - 1] == ' ' || t[end - 1] == '\t')) --end;
    m.value = std::string(t.substr(i, end - i));
    if (m.value.find('"') != std::string::npos) return at(i, "a bare value may not contain '\"'; quote it");
  }
  if (m.op == MatchOp::regex || m.op == MatchOp::not_regex) {
    try {
      // Anchored like Alertmanager: the whole value must match.
      m.re = std::make_shared<const std::regex>("^(?:" + m.value + ")$", std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return at(op_pos, "bad regular expression \"" + m.value + "\": " + e.what());
    }
  }
  return m;
}

bool matches_all(const std::vector<Matcher>& matchers, const std::map<std::string, std::string>& labels) {
  for (const auto& m : matchers)
    if (!m.matches(labels)) return false;
  return true;
}

}  // namespace mend::heal
