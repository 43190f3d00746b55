#include "api/ibex_routes.hpp"

#include "common/failpoint.hpp"

#include <unordered_set>

#include "api/envelope.hpp"
#include "api/host_presence.hpp"
#include "api/ibex_answers.hpp"
#include "api/idempotency.hpp"
#include "api/ibex_json.hpp"
#include "api/query_params.hpp"
#include "api/read_answer.hpp"
#include "api/task_form_json.hpp"
#include "api/task_reads.hpp"
#include "common/log.hpp"
#include "common/log_text.hpp"
#include "common/strings.hpp"

namespace mend {

namespace {

using nlohmann::json;
namespace text = ibex_text;

// An integer query parameter, or `fallback` when absent or empty; Ibex's
// words when it is not one.
Result<int64_t> query_int(const ApiRequest& req, const std::string& key, int64_t fallback, bool int64) {
  auto v = mend::query_int(req, key, fallback);
  if (!v.ok()) return make_error(ErrorCode::invalid_input, ibex_bad_query_int(query_str(req, key), int64));
  return v;
}

bool is_missing_task(const Error& e) { return e.code == ErrorCode::not_found && e.message == kNoSuchTaskMessage; }

// Errors of reads and engine calls as Ibex words them: a missing task is
// "no such task meta" (404); the rest keep their text and status.
ApiResponse ibex_error(const Error& e) {
  if (is_missing_task(e)) return json_error(404, text::kNoSuchTaskMeta);
  return json_error(e);
}

// Runs `body` on the :id parameter as Ibex reads it: 400 when it is not an
// integer; 0 and negative ids go on (to "no such task meta" and friends).
template <class F>
ApiResponse with_task_id(const ApiRequest& req, F&& body) {
  auto id = parse_ibex_id(req.params.at("id"));
  if (!id.ok()) return json_error(id.error());
  return body(*id);
}

// with_task_id, then `body(store, id)` as a read-only answer (read_answer.hpp):
// `body` owns what it uses.
template <class F>
ApiResponse read_with_task_id(const ApiContext& ctx, const ApiRequest& req, F body) {
  return with_task_id(req, [&](int64_t id) {
    return read_answer(ctx, [id, body = std::move(body)](Store& store) { return body(store, id); });
  });
}

// With an Idempotency-Key: the first answer for a key is stored in the same
// transaction as the task, and a retry with the same key and body gets it
// back. The same key with another body is refused (422).
ApiResponse create_task_once(ApiContext& ctx, const ApiRequest& req, const TaskSpec& spec) {
  if (req.idempotency_key.size() > kMaxIdempotencyKey) return json_error(make_error(ErrorCode::invalid_input, "Idempotency-Key longer than 255 characters"));
  const std::string fingerprint = idempotency_fingerprint(req);
  auto replay = [&] { return replay_idempotent(ctx.store, req.idempotency_key, fingerprint); };
  if (auto earlier = replay()) return *earlier;
  std::string body;
  auto id = ctx.engine.create_task(spec, [&](StoreTx& tx, int64_t task_id) -> Result<void> {
    body = json_ok(task_id).body;
    IdempotentReply reply{req.idempotency_key, fingerprint, 200, body, ctx.clock.now_ms()};
    return tx.insert_idempotency_key(reply);
  });
  if (!id.ok()) {
    // A concurrent request with the same key won the race: answer as it did.
    if (id.error().code == ErrorCode::conflict)
      if (auto earlier = replay()) return *earlier;
    return json_error(id.error());
  }
  // The engine logged the creation; this adds only the key.
  spdlog::debug("task {} has Idempotency-Key {}", *id, log_safe(req.idempotency_key));
  failpoint("server.after_create_commit_before_reply");
  ApiResponse res;
  res.body = body;
  return with_host_warnings(ctx, std::move(res), spec);
}

// Ibex's cleanHosts leaves at least one host: trimmed, not empty, not "#...".
bool names_a_host(const std::vector<std::string>& hosts) {
  for (const auto& h : hosts) {
    std::string t = trim(h);
    if (!t.empty() && t[0] != '#') return true;
  }
  return false;
}

ApiResponse create_task(ApiContext& ctx, const ApiRequest& req) {
  // Ibex's order and statuses: the JSON binding (400), the host list (400),
  // then the field checks, which Ibex answers 200 with "err" (Nightingale
  // reads the body only on 200, so that is where its user sees why).
  auto form = parse_task_form_json(req.body);
  if (!form.ok()) return json_error(400, form.error().message);
  if (!names_a_host(form->hosts)) return json_error(400, text::kHostsEmpty);
  if (auto field = field_with_nul(*form)) return json_error(200, "arg(" + *field + ") contains a NUL byte");
  auto spec = validate_task_form(*form);
  if (!spec.ok()) return json_error(200, spec.error().message);
  if (!req.idempotency_key.empty()) return create_task_once(ctx, req, *spec);
  auto id = ctx.engine.create_task(*spec);
  if (!id.ok()) return json_error(id.error());
  // Crash tests die here: committed, not yet answered. A client retry with an
  // Idempotency-Key must get this task back, not a second one.
  failpoint("server.after_create_commit_before_reply");
  return with_host_warnings(ctx, json_ok(*id), *spec);
}

// A page of the task list, with each task's hosts by status
// ("host_counts", which Mend adds): one indexed read a task, at most `limit`
// (1000) of them.
ApiResponse task_page(Store& store, const TaskQuery& q) {
  TaskPage page_out;
  std::vector<json> counts;
  auto r = store.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(page_out, tx.list_tasks(q));
    for (const auto& t : page_out.list) {
      MEND_ASSIGN_OR_RETURN(auto by_status, tx.host_status_counts(t.id));
      json c = json::object();
      for (const auto& [status, n] : by_status) c[std::string(to_string(status))] = n;
      counts.push_back(std::move(c));
    }
    return ok();
  });
  if (!r.ok()) return json_error(r.error());
  json list = json::array();
  for (size_t i = 0; i < page_out.list.size(); ++i) {
    json m = task_meta_json(page_out.list[i]);
    m["host_counts"] = std::move(counts[i]);
    list.push_back(std::move(m));
  }
  return json_ok(json{{"total", page_out.total}, {"list", std::move(list)}});
}

ApiResponse list_tasks(ApiContext& ctx, const ApiRequest& req) {
  auto limit = query_int(req, "limit", 20, false);
  if (!limit.ok()) return json_error(limit.error());
  auto page = query_int(req, "p", 1, false);
  if (!page.ok()) return json_error(page.error());
  auto days = query_int(req, "days", 7, true);
  if (!days.ok()) return json_error(days.error());

  TaskQuery q;
  q.title_contains = query_str(req, "query");
  q.creator = query_str(req, "creator");
  // Bounded so a client cannot ask for the whole table at once.
  q.limit = static_cast<int>(*limit <= 0 ? 20 : std::min<int64_t>(*limit, 1000));
  q.page = static_cast<int>(std::clamp<int64_t>(*page, 1, 1'000'000));
  int64_t d = std::clamp<int64_t>(*days, 0, 365 * 100);
  q.created_after_ms = ctx.clock.now_ms() - d * 24 * 3600 * 1000;

  return read_answer(ctx, [q](Store& store) { return task_page(store, q); });
}

ApiResponse done_among(Store& store, const std::vector<int64_t>& ids) {
  std::vector<int64_t> unfinished;
  auto r = store.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(unfinished, tx.unfinished_task_ids());
    return ok();
  });
  if (!r.ok()) return json_error(r.error());
  std::unordered_set<int64_t> running(unfinished.begin(), unfinished.end());
  std::vector<int64_t> done;
  for (int64_t id : ids)
    if (!running.count(id)) done.push_back(id);
  return json_ok(json{{"list", done}});
}

// Ibex's answer: the asked ids minus the unfinished ones, in the order asked.
// So an id no task has counts as done, as in Ibex: a client polling for its
// tasks to finish stops on an id that will never finish (a typo, a task of
// another Ibex) instead of polling forever.
ApiResponse done_ids(ApiContext& ctx, const ApiRequest& req) {
  std::vector<int64_t> ids = parse_ibex_ids(query_str(req, "ids"));
  if (ids.empty()) return json_error(200, text::kIdsEmpty);
  return read_answer(ctx, [ids = std::move(ids)](Store& store) { return done_among(store, ids); });
}

ApiResponse get_task(ApiContext& ctx, const ApiRequest& req) {
  return read_with_task_id(ctx, req, [](Store& store, int64_t id) {
    auto t = read_task_with_hosts(store, id);
    if (!t.ok()) return ibex_error(t.error());
    json hosts = json::array();
    for (const auto& h : t->hosts) {
      // Ibex's entry, and the exit code (a key Ibex's clients skip; mendctl shows it).
      json entry = host_brief_json(h);
      entry["exit_code"] = exit_code_json(h);
      hosts.push_back(std::move(entry));
    }
    return json_ok(json{{"meta", task_meta_json(t->task)}, {"hosts", std::move(hosts)},
                        {"action", task_action_text(t->task)}});
  });
}

ApiResponse task_action(ApiContext& ctx, const ApiRequest& req) {
  return with_task_id(req, [&](int64_t id) {
    // Ibex's order: the task, the body, "finished", then the action's name.
    auto task = read_task(ctx.store, id);
    if (!task.ok()) return ibex_error(task.error());
    auto name = parse_action_body(req.body);
    if (!name.ok()) return json_error(400, name.error().message);
    if (task->done) return json_error(200, text::kTaskFinished);
    auto action = parse_task_action(*name);
    if (!action) return json_error(200, text::kActionInvalid);
    auto r = ctx.engine.task_action(id, *action);
    if (!r.ok()) return ibex_error(r.error());
    spdlog::info("task {}: action {}", id, *name);
    return json_done();
  });
}

// An unknown id is "done" to Ibex (it has no action row), not an error.
ApiResponse task_state(ApiContext& ctx, const ApiRequest& req) {
  return read_with_task_id(ctx, req, [](Store& store, int64_t id) {
    auto task = read_task(store, id);
    if (!task.ok()) return is_missing_task(task.error()) ? json_ok("done") : json_error(task.error());
    return json_ok(task_state_text(*task));
  });
}

// An unknown id has no hosts: Ibex answers an empty grouping.
ApiResponse task_result(ApiContext& ctx, const ApiRequest& req) {
  return read_with_task_id(ctx, req, [](Store& store, int64_t id) {
    auto t = read_task_with_hosts(store, id);
    if (!t.ok()) return is_missing_task(t.error()) ? json_ok(json::object()) : json_error(t.error());
    return json_ok(hosts_by_status_json(t->hosts));
  });
}

ApiResponse task_outputs(ApiContext& ctx, const ApiRequest& req, bool out) {
  return read_with_task_id(ctx, req, [out](Store& store, int64_t id) {
    auto t = read_task_with_hosts(store, id);
    if (!t.ok()) return ibex_error(t.error());
    return json_ok(host_outputs_json(t->hosts, out));
  });
}

ApiResponse task_outputs_txt(ApiContext& ctx, const ApiRequest& req, bool out) {
  // A bad id is answered in JSON, a missing task in text: Ibex's two paths.
  return read_with_task_id(ctx, req, [out](Store& store, int64_t id) {
    auto t = read_task_with_hosts(store, id);
    if (!t.ok())
      return is_missing_task(t.error()) ? text_response(404, text::kNoSuchTask)
                                        : text_response(http_status(t.error().code), t.error().message);
    return text_response(200, outputs_text(t->hosts, out));
  });
}

ApiResponse task_outputs_json(ApiContext& ctx, const ApiRequest& req, bool out) {
  return read_with_task_id(ctx, req, [out, host = query_str(req, "host")](Store& store, int64_t id) {
    const char* key = out ? "stdout" : "stderr";
    auto t = read_task_with_hosts(store, id);
    if (!t.ok()) return ibex_error(t.error());
    json list = json::array();
    for (const auto& r : t->hosts)
      if (host.empty() || r.host == host)
        list.push_back(json{{"host", r.host}, {key, out ? r.stdout_text : r.stderr_text}});
    if (!host.empty() && list.empty()) return json_error(200, ibex_host_not_exists(id, host));
    return json_ok(list);
  });
}

ApiResponse host_action(ApiContext& ctx, const ApiRequest& req) {
  return with_task_id(req, [&](int64_t id) {
    const std::string& host = req.params.at("host");
    // Ibex's order: the task, "finished", the body, then the action.
    auto task = read_task(ctx.store, id);
    if (!task.ok()) return ibex_error(task.error());
    if (task->done) return json_error(200, text::kTaskFinished);
    auto name = parse_action_body(req.body);
    if (!name.ok()) return json_error(400, name.error().message);
    auto action = parse_host_action(*name);
    // Ibex acts on ignore, kill and redo only and answers anything else with
    // an empty success.
    if (!action) return json_done();
    auto run = read_task_host(ctx.store, id, host);
    if (!run.ok()) return run.error().code == ErrorCode::not_found ? json_error(200, text::kNoSuchHost)
                                                                   : json_error(run.error());
    // Ibex redoes a running host by leaving it running: nothing to do.
    if (*action == HostAction::redo && run->status == HostStatus::running) return json_done();
    if (*action == HostAction::kill && run->status != HostStatus::running && run->status != HostStatus::timeout)
      return json_error(200, text::kCannotKill);
    auto r = ctx.engine.host_action(id, host, *action);
    if (!r.ok()) return ibex_error(r.error());
    spdlog::info("task {} host {}: action {}", id, log_safe(host), *name);
    if (*action == HostAction::ignore) {
      // Ibex's hint: ignoring a host does not resume a paused task.
      auto after = read_task(ctx.store, id);
      if (after.ok() && !after->done && after->action == TaskAction::pause) return json_ok(text::kIgnoreWhilePaused);
    }
    return json_done();
  });
}

// Ibex answers a task or host it does not have with an empty success.
ApiResponse host_output(ApiContext& ctx, const ApiRequest& req) {
  return read_with_task_id(ctx, req, [host = req.params.at("host")](Store& store, int64_t id) {
    auto run = read_task_host(store, id, host);
    if (!run.ok()) return run.error().code == ErrorCode::not_found ? json_ok(nullptr) : json_error(run.error());
    json j = host_brief_json(*run);
    j["stdout"] = run->stdout_text;
    j["stderr"] = run->stderr_text;
    return json_ok(j);
  });
}

ApiResponse host_text(ApiContext& ctx, const ApiRequest& req, bool out) {
  return read_with_task_id(ctx, req, [out, host = req.params.at("host")](Store& store, int64_t id) {
    auto run = read_task_host(store, id, host);
    if (!run.ok()) return ibex_error(run.error());
    return json_ok(out ? run->stdout_text : run->stderr_text);
  });
}

}  // namespace

void add_ibex_routes(Router& r, ApiContext& ctx) {
  using auth::Permission;
  const auto need = auth::Access::need;
  auto bind = [&ctx](ApiResponse (*fn)(ApiContext&, const ApiRequest&)) {
    return [&ctx, fn](const ApiRequest& req) { return fn(ctx, req); };
  };
  auto bind_out = [&ctx](ApiResponse (*fn)(ApiContext&, const ApiRequest&, bool), bool out) {
    return [&ctx, fn, out](const ApiRequest& req) { return fn(ctx, req, out); };
  };
  r.add("POST", "/ibex/v1/tasks", need(Permission::ibex_call), bind(create_task));
  r.add("GET", "/ibex/v1/tasks", need(Permission::task_read), bind(list_tasks));
  r.add("GET", "/ibex/v1/tasks/done-ids", need(Permission::task_read), bind(done_ids));
  r.add("GET", "/ibex/v1/task/:id", need(Permission::task_read), bind(get_task));
  r.add("PUT", "/ibex/v1/task/:id/action", need(Permission::task_action), bind(task_action));
  r.add("GET", "/ibex/v1/task/:id/state", need(Permission::task_read), bind(task_state));
  r.add("GET", "/ibex/v1/task/:id/result", need(Permission::task_read), bind(task_result));
  r.add("GET", "/ibex/v1/task/:id/stdout", need(Permission::task_read), bind_out(task_outputs, true));
  r.add("GET", "/ibex/v1/task/:id/stderr", need(Permission::task_read), bind_out(task_outputs, false));
  r.add("GET", "/ibex/v1/task/:id/stdout.txt", need(Permission::task_read), bind_out(task_outputs_txt, true));
  r.add("GET", "/ibex/v1/task/:id/stderr.txt", need(Permission::task_read), bind_out(task_outputs_txt, false));
  r.add("GET", "/ibex/v1/task/:id/stdout.json", need(Permission::task_read), bind_out(task_outputs_json, true));
  r.add("GET", "/ibex/v1/task/:id/stderr.json", need(Permission::task_read), bind_out(task_outputs_json, false));
  r.add("PUT", "/ibex/v1/task/:id/host/:host/action", need(Permission::task_action), bind(host_action));
  r.add("GET", "/ibex/v1/task/:id/host/:host/output", need(Permission::task_read), bind(host_output));
  r.add("GET", "/ibex/v1/task/:id/host/:host/stdout", need(Permission::task_read), bind_out(host_text, true));
  r.add("GET", "/ibex/v1/task/:id/host/:host/stderr", need(Permission::task_read), bind_out(host_text, false));
}

}  // namespace mend
