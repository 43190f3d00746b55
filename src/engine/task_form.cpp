#include "engine/task_form.hpp"

#include <set>

#include "common/strings.hpp"

namespace mend {

namespace {

constexpr std::string_view kFullWidthComma = "\xEF\xBC\x8C";  // U+FF0C
constexpr size_t kMaxHostLength = 255;

Error invalid(std::string message) { return make_error(ErrorCode::invalid_input, std::move(message)); }

bool has_control_chars(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

// Ibex's cleanHosts: trim, drop empty and commented-out entries. Mend also
// drops repeats (Ibex would fail on its primary key) and refuses idents that
// could not be an agent's name.
Result<std::vector<std::string>> clean_hosts(const std::vector<std::string>& raw) {
  std::vector<std::string> hosts;
  std::set<std::string> seen;
  for (const auto& entry : raw) {
    std::string h = trim(entry);
    if (h.empty() || h[0] == '#') continue;
    if (auto c = check_host_name(h); !c.ok()) return invalid("arg(hosts) entry " + c.error().message);
    if (seen.insert(h).second) hosts.push_back(std::move(h));
  }
  if (hosts.empty()) return invalid("arg(hosts) empty");
  return hosts;
}

}  // namespace

std::optional<std::string> field_with_nul(const TaskForm& form) {
  const std::pair<const char*, const std::string*> fields[] = {
      {"title", &form.title}, {"account", &form.account}, {"script", &form.script},
      {"args", &form.args},   {"creator", &form.creator}, {"pause", &form.pause}};
  for (const auto& [name, value] : fields)
    if (value->find('\0') != std::string::npos) return std::string(name);
  return std::nullopt;
}

Result<void> check_host_name(std::string_view host) {
  if (host.empty()) return invalid("is empty");
  if (host.size() > kMaxHostLength)
    return invalid("longer than 255 characters: " + std::string(host.substr(0, utf8_prefix_len(host, 40))) + "...");
  if (has_control_chars(host)) return invalid("contains control characters");
  return ok();
}

std::string title_with_host(const std::string& title, const std::string& host) {
  std::string base = title;
  auto i = base.find(" FH: ");
  if (i != std::string::npos && i > 0) base.resize(i);
  return base + " FH: " + host;
}

Result<TaskSpec> validate_task_form(const TaskForm& form) {
  // A NUL byte would cut the value short in the database and in argv: Mend's
  // own check, before Ibex's.
  if (auto field = field_with_nul(form)) return invalid("arg(" + *field + ") contains a NUL byte");
  // Ibex's own checks first, in its order (a form with several faults gets
  // the message Ibex would give). A title or script of spaces passes, as in
  // Ibex: only empty ones are refused.
  if (form.batch < 0) return invalid("arg(batch) should be nonnegative");
  if (form.tolerance < 0) return invalid("arg(tolerance) should be nonnegative");
  if (form.timeout < 0) return invalid("arg(timeout) should be nonnegative");
  if (form.timeout > kMaxTimeoutSeconds) return invalid("arg(timeout) longer than five days");
  if (form.title.empty()) return invalid("arg(title) is required");
  if (form.script.empty()) return invalid("arg(script) is required");
  // Mend's own: an account of spaces names nobody to run as, and a creator
  // and action are required (Ibex's JSON binding requires them before this).
  if (trim(form.account).empty()) return invalid("arg(account) is required");
  if (form.creator.empty()) return invalid("arg(creator) is required");
  if (form.action.empty()) return invalid("arg(action) is required");
  if (form.batch > 1'000'000 || form.tolerance > 1'000'000)
    return invalid("arg(batch) and arg(tolerance) must be at most 1000000");
  auto action = parse_task_action(form.action);
  if (!action || (*action != TaskAction::start && *action != TaskAction::pause))
    return invalid("arg(action) must be start or pause, got '" + form.action + "'");

  MEND_ASSIGN_OR_RETURN(std::vector<std::string> hosts, clean_hosts(form.hosts));

  TaskSpec spec;
  spec.title = title_with_host(form.title, hosts.front());
  spec.account = trim(form.account);
  spec.batch = static_cast<int>(form.batch);
  spec.tolerance = static_cast<int>(form.tolerance);
  spec.timeout_s = form.timeout == 0 ? kDefaultTimeoutSeconds : static_cast<int>(form.timeout);
  spec.pause = replace_all(replace_all(form.pause, kFullWidthComma, ","), " ", "");
  spec.script = form.script;
  spec.args = replace_all(form.args, kFullWidthComma, ",");
  spec.stdin_text = form.stdin_text;
  spec.creator = form.creator;
  spec.action = *action;
  spec.alert_triggered = form.alert_triggered;
  spec.hosts = std::move(hosts);
  return spec;
}

}  // namespace mend
