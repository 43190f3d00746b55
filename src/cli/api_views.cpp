#include "cli/api_views.hpp"

#include <charconv>

namespace mend::cli {

namespace {

using nlohmann::json;

Error wrong_shape(const char* what, const json& got) {
  return make_error(ErrorCode::internal, std::string("unexpected answer from server: expected ") +
                                             what + ", got " + got.type_name());
}

std::string get_string(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

int64_t get_int(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) return static_cast<int64_t>(it->get<double>());
  return 0;
}

bool get_bool(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

// Values below this are epoch seconds (until the year 5138), above it milliseconds.
constexpr int64_t kSecondsLimit = 100'000'000'000;

}  // namespace

Result<TaskMeta> parse_task_meta(const json& dat) {
  if (!dat.is_object()) return wrong_shape("a task object", dat);
  TaskMeta m;
  m.id = get_int(dat, "id");
  m.title = get_string(dat, "title");
  m.account = get_string(dat, "account");
  m.batch = get_int(dat, "batch");
  m.tolerance = get_int(dat, "tolerance");
  m.timeout = get_int(dat, "timeout");
  m.pause = get_string(dat, "pause");
  m.script = get_string(dat, "script");
  m.args = get_string(dat, "args");
  m.stdin_text = get_string(dat, "stdin");
  m.creator = get_string(dat, "creator");
  m.done = get_bool(dat, "done");
  auto created = dat.find("created");
  if (auto ms = dat.find("created_ms"); ms != dat.end() && ms->is_number()) {
    m.created_ms = get_int(dat, "created_ms");  // mend-server's native field, precise
  } else if (created != dat.end()) {
    if (created->is_string()) {
      m.created_text = created->get<std::string>();
    } else if (created->is_number()) {
      int64_t n = get_int(dat, "created");
      m.created_ms = n < kSecondsLimit ? n * 1000 : n;
    }
  }
  m.rerun_of = get_int(dat, "rerun_of");
  if (auto c = dat.find("host_counts"); c != dat.end() && c->is_object())
    for (const auto& [status, n] : c->items())
      if (n.is_number_integer()) m.host_counts.emplace_back(status, n.get<int64_t>());
  return m;
}

Result<TaskView> parse_task_view(const json& dat) {
  if (!dat.is_object()) return wrong_shape("a task object", dat);
  TaskView view;
  auto meta = dat.find("meta");
  if (meta == dat.end()) return wrong_shape("a task with \"meta\"", dat);
  MEND_ASSIGN_OR_RETURN(view.meta, parse_task_meta(*meta));
  view.action = get_string(dat, "action");
  auto hosts = dat.find("hosts");
  if (hosts != dat.end() && !hosts->is_null()) {
    if (!hosts->is_array()) return wrong_shape("a host list", *hosts);
    for (const auto& h : *hosts) {
      if (!h.is_object()) return wrong_shape("a host object", h);
      HostRow row{get_string(h, "host"), get_string(h, "status")};
      if (auto code = h.find("exit_code"); code != h.end() && code->is_number_integer()) row.exit_code = code->get<int>();
      view.hosts.push_back(std::move(row));
    }
  }
  return view;
}

std::string exit_code_text(const HostRow& host) {
  return host.exit_code ? std::to_string(*host.exit_code) : std::string("-");
}

std::string host_with_outcome(const HostRow& host) {
  if (host.exit_code) return host.host + ": exit " + std::to_string(*host.exit_code);
  if (host.status == "failed") return host.host;
  return host.host + ": " + host.status;
}

Result<HostOutput> parse_host_output(const json& dat) {
  if (!dat.is_object()) return wrong_shape("a host output object", dat);
  return HostOutput{get_string(dat, "host"), get_string(dat, "status"), get_string(dat, "stdout"),
                    get_string(dat, "stderr")};
}

Result<TaskList> parse_task_list(const json& dat) {
  if (!dat.is_object()) return wrong_shape("a task list object", dat);
  TaskList out;
  out.total = get_int(dat, "total");
  auto list = dat.find("list");
  if (list != dat.end() && !list->is_null()) {
    if (!list->is_array()) return wrong_shape("a task list", *list);
    for (const auto& item : *list) {
      MEND_ASSIGN_OR_RETURN(auto meta, parse_task_meta(item));
      out.list.push_back(std::move(meta));
    }
  }
  return out;
}

Result<std::vector<AgentView>> parse_agents(const json& dat) {
  std::vector<AgentView> out;
  if (dat.is_null()) return out;
  if (!dat.is_array()) return wrong_shape("an agent list", dat);
  for (const auto& a : dat) {
    if (!a.is_object()) return wrong_shape("an agent object", a);
    std::string labels;
    if (auto it = a.find("labels"); it != a.end() && it->is_object())
      for (const auto& [k, v] : it->items())
        labels += (labels.empty() ? "" : ",") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    out.push_back(AgentView{get_string(a, "ident"), get_string(a, "protocol"),
                            get_string(a, "remote"), get_int(a, "connected_ms"),
                            get_int(a, "last_seen_ms"), get_string(a, "identity"),
                            get_string(a, "server"), labels});
  }
  return out;
}

Result<int64_t> parse_task_id(const json& dat) {
  if (dat.is_number_integer()) return dat.get<int64_t>();
  if (dat.is_string()) {
    const auto& s = dat.get_ref<const std::string&>();
    int64_t id = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return id;
  }
  return wrong_shape("a task id", dat);
}

namespace {

// The objects of dat's "list", each read with `read(object)`. `what` names
// the list and `item` one object, for the error when either has the wrong shape.
template <class T, class Read>
Result<std::vector<T>> parse_list(const json& dat, const char* what, const char* item, Read read) {
  auto list = dat.is_object() ? dat.find("list") : dat.end();
  if (list == dat.end() || !list->is_array()) return wrong_shape(what, dat);
  std::vector<T> out;
  for (const auto& r : *list) {
    if (!r.is_object()) return wrong_shape(item, r);
    out.push_back(read(r));
  }
  return out;
}

}  // namespace

Result<std::vector<HealRecordView>> parse_heal_records(const json& dat) {
  return parse_list<HealRecordView>(dat, "a list of heal records", "a heal record", [](const json& r) {
    HealRecordView v;
    v.id = get_int(r, "id");
    v.created_ms = get_int(r, "created_ms");
    v.rule = get_string(r, "rule");
    v.host = get_string(r, "host");
    v.decision = get_string(r, "decision");
    v.reason = get_string(r, "reason");
    v.task_id = get_int(r, "task_id");
    v.task_status = get_string(r, "task_status");
    v.resolved_ms = get_int(r, "resolved_ms");
    if (auto it = r.find("resolve_after_ms"); it != r.end() && it->is_number()) v.resolve_after_ms = get_int(r, "resolve_after_ms");
    return v;
  });
}

Result<std::vector<HealRuleView>> parse_heal_rules(const json& dat) {
  return parse_list<HealRuleView>(dat, "a list of heal rules", "a heal rule", [](const json& r) {
    HealRuleView v;
    v.name = get_string(r, "name");
    v.origin = get_string(r, "origin");
    v.runs = get_int(r, "runs");
    v.successes = get_int(r, "successes");
    v.failures = get_int(r, "failures");
    v.unfinished = get_int(r, "unfinished");
    v.resolved_within = get_int(r, "resolved_within");
    v.resolved_within_minutes = get_int(r, "resolved_within_minutes");
    v.last_run_ms = get_int(r, "last_run_ms");
    if (auto b = r.find("breaker"); b != r.end() && b->is_object()) {
      v.breaker_open = get_bool(*b, "open");
      v.breaker_opened_ms = get_int(*b, "opened_ms");
      v.breaker_reason = get_string(*b, "reason");
    }
    return v;
  });
}

}  // namespace mend::cli
