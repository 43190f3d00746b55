#include "api/task_routes.hpp"

#include "api/envelope.hpp"
#include "api/host_output_stream.hpp"
#include "api/ibex_json.hpp"
#include "api/query_params.hpp"
#include "api/read_answer.hpp"
#include "api/task_reads.hpp"

namespace mend {

namespace {

using nlohmann::json;

json task_row_json(const Task& t) {
  json j = task_meta_json(t);
  j.erase("script");
  j.erase("stdin");
  j["created_ms"] = t.created_ms;
  j["state"] = task_state_text(t);
  j["alert_triggered"] = t.spec.alert_triggered;
  return j;
}

// GET /api/v1/tasks?title=&creator=&state=&since=&until=&before_id=&limit=
ApiResponse list_tasks(ApiContext& ctx, const ApiRequest& req) {
  TaskQuery q;
  q.title_contains = query_str(req, "title");
  q.creator = query_str(req, "creator");
  q.state = query_str(req, "state");
  if (!q.state.empty() && q.state != "done" && q.state != "unfinished" &&
      !parse_task_action(q.state))
    return json_error(400, "state must be one of done, unfinished, start, pause, cancel, kill");
  auto window = query_page(req, "before_id", 50, 1000);
  if (!window.ok()) return json_error(window.error());
  q.created_after_ms = window->since_ms;
  q.created_before_ms = window->until_ms;
  q.before_id = window->before;
  q.limit = static_cast<int>(window->limit);
  return read_answer(ctx, [q](Store& store) {
    TaskPage page;
    auto r = store.read([&](StoreTx& tx) -> Result<void> {
      MEND_ASSIGN_OR_RETURN(page, tx.list_tasks(q));
      return ok();
    });
    if (!r.ok()) return json_error(r.error());
    json list = json::array();
    for (const auto& t : page.list) list.push_back(task_row_json(t));
    json out{{"total", page.total}, {"list", std::move(list)}};
    // The cursor for the next (older) page, when this one was full.
    out["next_before_id"] =
        static_cast<int>(page.list.size()) == q.limit ? json(page.list.back().id) : json(nullptr);
    return json_ok(out);
  });
}

ApiResponse task_summary_of(Store& store, int64_t id) {
  std::optional<Task> task;
  std::vector<std::pair<HostStatus, int64_t>> counts;
  auto r = store.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(task, tx.find_task(id));
    if (!task) return ok();
    MEND_ASSIGN_OR_RETURN(counts, tx.host_status_counts(id));
    return ok();
  });
  if (!r.ok()) return json_error(r.error());
  if (!task) return json_error(404, "no such task");
  json j = task_meta_json(*task);
  j["created_ms"] = task->created_ms;
  j["action"] = std::string(to_string(task->action));
  j["state"] = task_state_text(*task);
  j["alert_triggered"] = task->spec.alert_triggered;
  json c = json::object();
  int64_t total = 0;
  for (auto& [status, n] : counts) {
    c[std::string(to_string(status))] = n;
    total += n;
  }
  j["counts"] = std::move(c);
  j["host_count"] = total;
  return json_ok(j);
}

// GET /api/v1/tasks/:id/summary: settings and host counts, no host rows.
ApiResponse task_summary(ApiContext& ctx, const ApiRequest& req) {
  auto id = parse_task_id(req.params.at("id"));
  if (!id.ok()) return json_error(id.error());
  return read_answer(ctx, [id = *id](Store& store) { return task_summary_of(store, id); });
}

ApiResponse task_hosts_of(Store& store, int64_t id, std::optional<HostStatus> status) {
  std::optional<Task> task;
  std::vector<HostRun> hosts;
  auto r = store.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(task, tx.find_task(id));
    if (!task) return ok();
    if (status) {
      MEND_ASSIGN_OR_RETURN(hosts, tx.hosts_in_status(id, *status, 0));
    } else {
      MEND_ASSIGN_OR_RETURN(hosts, tx.task_hosts(id));
    }
    return ok();
  });
  if (!r.ok()) return json_error(r.error());
  if (!task) return json_error(404, "no such task");
  json rows = json::array();
  for (const auto& h : hosts)
    rows.push_back(json::array({h.host, std::string(to_string(h.status)), h.updated_ms, exit_code_json(h)}));
  return json_ok(json{{"hosts", std::move(rows)}});
}

// GET /api/v1/tasks/:id/hosts[?status=]: [[host, status, updated_ms,
// exit_code], ...] in the task's order (exit_code null until the script
// ended); rows, not objects, so 10,000 hosts stay small.
ApiResponse task_hosts(ApiContext& ctx, const ApiRequest& req) {
  auto id = parse_task_id(req.params.at("id"));
  if (!id.ok()) return json_error(id.error());
  std::string status_text = query_str(req, "status");
  std::optional<HostStatus> status;
  if (!status_text.empty()) {
    status = parse_host_status(status_text);
    if (!status) return json_error(400, "unknown host status '" + status_text + "'");
  }
  return read_answer(ctx, [id = *id, status](Store& store) { return task_hosts_of(store, id, status); });
}

ApiResponse task_host_of(Store& store, int64_t id, const std::string& host) {
  auto run = read_task_host(store, id, host);
  if (!run.ok()) return json_error(run.error());
  return json_ok(json{{"host", run->host},
                      {"status", std::string(to_string(run->status))},
                      {"dispatch_id", run->dispatch_id},
                      {"dispatched_ms", run->dispatched_ms},
                      {"updated_ms", run->updated_ms},
                      {"exit_code", exit_code_json(*run)},
                      {"stdout", run->stdout_text},
                      {"stderr", run->stderr_text}});
}

// GET /api/v1/tasks/:id/hosts/:host: one host's status and output.
ApiResponse task_host(ApiContext& ctx, const ApiRequest& req) {
  auto id = parse_task_id(req.params.at("id"));
  if (!id.ok()) return json_error(id.error());
  return read_answer(ctx, [id = *id, host = req.params.at("host")](Store& store) {
    return task_host_of(store, id, host);
  });
}

// GET /api/v1/tasks/:id/hosts/:host/stream: server-sent events (see host_output_stream.hpp).
ApiResponse task_host_stream(ApiContext& ctx, const ApiRequest& req) {
  auto id = parse_task_id(req.params.at("id"));
  if (!id.ok()) return json_error(id.error());
  // Refuse an unknown task or host with a plain error, before the stream starts.
  auto run = read_task_host(ctx.store, *id, req.params.at("host"));
  if (!run.ok()) return json_error(run.error());
  ApiResponse res;
  res.content_type = "text/event-stream";
  res.headers.emplace_back("X-Accel-Buffering", "no");  // proxies must not hold events back
  res.body = "retry: 2000\n\n";
  res.stream = host_output_stream(ctx, *id, req.params.at("host"));
  return res;
}

}  // namespace

void add_task_routes(Router& r, ApiContext& ctx) {
  using auth::Permission;
  const auto need = auth::Access::need;
  // Reads only: what a viewer may see on the task pages (the output too, as
  // GET /api/v1/tasks/:id does).
  r.add("GET", "/api/v1/tasks", need(Permission::task_read),
        [&ctx](const ApiRequest& req) { return list_tasks(ctx, req); });
  r.add("GET", "/api/v1/tasks/:id/summary", need(Permission::task_read),
        [&ctx](const ApiRequest& req) { return task_summary(ctx, req); });
  r.add("GET", "/api/v1/tasks/:id/hosts", need(Permission::task_read),
        [&ctx](const ApiRequest& req) { return task_hosts(ctx, req); });
  r.add("GET", "/api/v1/tasks/:id/hosts/:host", need(Permission::task_read),
        [&ctx](const ApiRequest& req) { return task_host(ctx, req); });
  r.add("GET", "/api/v1/tasks/:id/hosts/:host/stream", need(Permission::task_read),
        [&ctx](const ApiRequest& req) { return task_host_stream(ctx, req); });
}

}  // namespace mend
