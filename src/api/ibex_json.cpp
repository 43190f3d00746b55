#include "api/ibex_json.hpp"

#include <ctime>
#include <map>

#include "api/task_rerun.hpp"

namespace mend {

using nlohmann::json;

std::string rfc3339_utc(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json task_meta_json(const Task& t) {
  const TaskSpec& s = t.spec;
  json j = json{{"id", t.id},         {"title", s.title},   {"account", s.account},     {"batch", s.batch},
              {"tolerance", s.tolerance}, {"timeout", s.timeout_s}, {"pause", s.pause}, {"script", s.script},
              {"args", s.args},     {"stdin", s.stdin_text}, {"creator", s.creator},
              {"created", rfc3339_utc(t.created_ms)}, {"done", t.done}};
  // Mend's additions (Ibex clients ignore unknown keys).
  j["created_ms"] = t.created_ms;
  if (auto first = rerun_of(t.spec)) j["rerun_of"] = *first;
  return j;
}

std::string task_action_text(const Task& t) { return t.done ? "" : std::string(to_string(t.action)); }

std::string task_state_text(const Task& t) { return t.done ? "done" : std::string(to_string(t.action)); }

json exit_code_json(const HostRun& r) { return r.exit_code ? json(*r.exit_code) : json(nullptr); }

json host_brief_json(const HostRun& r) {
  return json{{"id", r.task_id},
              {"host", r.host},
              {"status", std::string(to_string(r.status))},
              {"stdout", ""},
              {"stderr", ""}};
}

json host_outputs_json(const std::vector<HostRun>& hosts, bool stdout_not_stderr) {
  json list = json::array();
  for (const auto& r : hosts) {
    json j = host_brief_json(r);
    if (stdout_not_stderr)
      j["stdout"] = r.stdout_text;
    else
      j["stderr"] = r.stderr_text;
    list.push_back(std::move(j));
  }
  return list;
}

json hosts_by_status_json(const std::vector<HostRun>& hosts) {
  json out = json::object();
  for (const auto& r : hosts) {
    auto& group = out[std::string(to_string(r.status))];
    if (group.is_null()) group = json::array();
    group.push_back(r.host);
  }
  return out;
}

std::string outputs_text(const std::vector<HostRun>& hosts, bool stdout_not_stderr) {
  std::string out;
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (i != 0) out += "\n\n";
    out += hosts[i].host;
    out += ":\n";
    out += stdout_not_stderr ? hosts[i].stdout_text : hosts[i].stderr_text;
  }
  return out;
}

json task_view_json(const Task& t, const std::vector<HostRun>& hosts) {
  json j = task_meta_json(t);
  j["created_ms"] = t.created_ms;
  j["action"] = std::string(to_string(t.action));
  j["action_updated_ms"] = t.action_updated_ms;
  j["alert_triggered"] = t.spec.alert_triggered;
  j["state"] = task_state_text(t);
  json list = json::array();
  for (const auto& r : hosts) {
    list.push_back(json{{"seq", r.seq},
                        {"host", r.host},
                        {"status", std::string(to_string(r.status))},
                        {"dispatch_id", r.dispatch_id},
                        {"dispatched_ms", r.dispatched_ms},
                        {"updated_ms", r.updated_ms},
                        {"exit_code", exit_code_json(r)},
                        {"stdout", r.stdout_text},
                        {"stderr", r.stderr_text}});
  }
  j["hosts"] = std::move(list);
  return j;
}

}  // namespace mend
