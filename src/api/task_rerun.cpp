#include "api/task_rerun.hpp"

#include <charconv>

namespace mend {

namespace {

bool is_failure(HostStatus s) {
  return s == HostStatus::failed || s == HostStatus::timeout || s == HostStatus::killed ||
         s == HostStatus::killfailed || s == HostStatus::lost;
}

}  // namespace

Result<TaskSpec> rerun_spec(const TaskWithHosts& first, const std::string& creator) {
  const std::string id = std::to_string(first.task.id);
  if (!first.task.done) {
    // Both ways, since the API and mendctl users both read this.
    return make_error(ErrorCode::conflict,
                      "task " + id + " is not finished: redo its failed hosts in it instead (mendctl host action " +
                          id + " HOST redo; API: PUT /ibex/v1/task/" + id + "/host/HOST/action {\"action\":\"redo\"})");
  }
  TaskSpec spec = first.task.spec;
  spec.hosts.clear();
  for (const auto& h : first.hosts)
    if (is_failure(h.status)) spec.hosts.push_back(h.host);
  if (spec.hosts.empty()) return make_error(ErrorCode::conflict, "task " + id + " has no failed hosts to rerun");
  spec.action = TaskAction::start;
  spec.pause.clear();  // its hosts were of the first run
  spec.alert_triggered = false;
  if (!creator.empty()) spec.creator = creator;
  std::erase_if(spec.env, [](const auto& kv) { return kv.first == kRerunOfEnv; });
  spec.env.emplace_back(kRerunOfEnv, id);
  return spec;
}

std::optional<int64_t> rerun_of(const TaskSpec& spec) {
  for (const auto& [name, value] : spec.env) {
    if (name != kRerunOfEnv) continue;
    int64_t id = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
    if (ec == std::errc() && end == value.data() + value.size()) return id;
  }
  return std::nullopt;
}

}  // namespace mend
