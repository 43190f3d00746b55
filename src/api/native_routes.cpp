#include "api/native_routes.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "api/envelope.hpp"
#include "api/heal_routes.hpp"
#include "api/host_presence.hpp"
#include "api/ibex_json.hpp"
#include "api/metrics_text.hpp"
#include "api/query_params.hpp"
#include "api/read_answer.hpp"
#include "api/task_reads.hpp"
#include "api/task_rerun.hpp"
#include "common/log.hpp"

namespace mend {

namespace {

using nlohmann::json;

// The host groups that take `ident`, by name pattern or by its labels' selector
// (as a task at creation sees it).
json groups_of(const std::vector<StoredGroup>& groups, const std::string& ident, const proto::Labels& labels) {
  json names = json::array();
  for (const auto& g : groups)
    if (auth::group_has_host(g, ident, &labels)) names.push_back(g.name);
  return names;
}

// Every agent of the fleet (on PostgreSQL, those of every server), or with
// ?here=true only those connected to this server.
ApiResponse list_agents(ApiContext& ctx, const ApiRequest& req) {
  json list = json::array();
  const std::string here_text = query_str(req, "here");
  if (here_text != "" && here_text != "true" && here_text != "false")
    return json_error(make_error(ErrorCode::invalid_input, "here must be true or false"));
  const bool here = here_text == "true";
  std::vector<AgentInfo> agents;
  if (ctx.presence && !here) {
    auto fleet = ctx.presence->fleet();
    if (!fleet.ok()) return json_error(fleet.error());
    agents = std::move(fleet).value();
  } else {
    agents = ctx.hub.list();
    if (ctx.presence)
      for (auto& a : agents) a.server = ctx.presence->server_id();
  }
  std::vector<StoredGroup> groups;
  if (ctx.groups) {
    auto listed = ctx.groups->list();
    if (!listed.ok()) return json_error(listed.error());
    groups = std::move(listed).value();
  }
  // A host is served by one kind of agent: an Ibex connection for a host a
  // native agent holds is being closed, and is not listed.
  std::set<std::string> native;
  for (const auto& a : agents) native.insert(a.ident);
  if (ctx.other_agents)
    for (auto& a : ctx.other_agents())
      if (!native.count(a.ident)) {
        if (ctx.presence) a.server = ctx.presence->server_id();
        agents.push_back(std::move(a));
      }
  std::sort(agents.begin(), agents.end(), [](const AgentInfo& x, const AgentInfo& y) { return x.ident < y.ident; });
  for (const auto& a : agents)
    list.push_back(json{{"ident", a.ident},
                        {"server", a.server},
                        {"labels", a.labels},
                        {"protocol", a.protocol},
                        {"remote", a.remote},
                        {"connected_ms", a.connected_ms},
                        {"last_seen_ms", a.last_seen_ms},
                        // Ibex's protocol proves nothing: its agents are pinned to their first ident.
                        {"identity", !a.identity.empty() ? a.identity : a.protocol == "native" ? "legacy_token" : "ibex"},
                        {"version", a.version},
                        {"groups", groups_of(groups, a.ident, a.labels)}});
  return json_ok(list);
}

// mendctl doctor: the repair loop's invariant check, on demand.
ApiResponse doctor(ApiContext& ctx, bool repair) {
  auto findings = ctx.engine.check_invariants(repair);
  if (!findings.ok()) return json_error(findings.error());
  json list = json::array();
  for (const auto& f : *findings)
    list.push_back(json{{"kind", f.kind}, {"task_id", f.task_id}, {"host", f.host}, {"detail", f.detail},
                        {"repaired", f.repaired}});
  return json_ok(json{{"findings", list}, {"repair", repair}});
}

ApiResponse task_view(ApiContext& ctx, const ApiRequest& req) {
  auto id = parse_task_id(req.params.at("id"));
  if (!id.ok()) return json_error(id.error());
  return read_answer(ctx, [id = *id](Store& store) {
    auto t = read_task_with_hosts(store, id);
    if (!t.ok()) return json_error(t.error());
    return json_ok(task_view_json(t->task, t->hosts));
  });
}

// What is left to move off the shared token: connected native agents by how
// they proved their ident.
std::string identity_metrics_text(const std::vector<AgentInfo>& agents) {
  std::map<std::string, int64_t> by;
  for (const char* k : {"enrolled", "expiring", "legacy_token"}) by[k] = 0;
  for (const auto& a : agents) ++by[a.identity.empty() ? "legacy_token" : a.identity];
  std::string out =
      "# HELP mend_agents_by_identity Connected native agents by how they proved their ident.\n"
      "# TYPE mend_agents_by_identity gauge\n";
  for (const auto& [k, n] : by) out += "mend_agents_by_identity{identity=\"" + k + "\"} " + std::to_string(n) + "\n";
  return out;
}

// A new task on the hosts of a finished task that did not succeed (see task_rerun.hpp).
// Body (optional): {"creator": "..."}.
ApiResponse rerun_task(ApiContext& ctx, const ApiRequest& req) {
  auto id = parse_task_id(req.params.at("id"));
  if (!id.ok()) return json_error(id.error());
  std::string creator;
  if (!req.body.empty()) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return json_error(make_error(ErrorCode::invalid_input, "body must be a JSON object"));
    if (auto c = body.find("creator"); c != body.end()) {
      if (!c->is_string()) return json_error(make_error(ErrorCode::invalid_input, "creator must be a string"));
      creator = c->get<std::string>();
    }
  }
  auto first = read_task_with_hosts(ctx.store, *id);
  if (!first.ok()) return json_error(first.error());
  auto spec = rerun_spec(*first, creator);
  if (!spec.ok()) return json_error(spec.error());
  auto new_id = ctx.engine.create_task(*spec);
  if (!new_id.ok()) return json_error(new_id.error());
  return with_host_warnings(ctx, json_ok(json{{"id", *new_id}, {"rerun_of", *id}, {"hosts", spec->hosts}}), *spec);
}

ApiResponse metrics(ApiContext& ctx) {
  StoreCounts counts;
  auto r = ctx.store.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(counts, tx.counts());
    return ok();
  });
  // The engine's counters are still worth scraping when the database is busy.
  if (!r.ok()) spdlog::warn("metrics: store counts unavailable: {}", r.error().message);
  ApiResponse res = text_response(200, render_metrics(ctx.metrics, counts, ctx.hub.connected_count()));
  if (ctx.heal) res.body += heal_metrics_text(*ctx.heal);
  if (ctx.relay) res.body += peer_metrics_text(ctx.relay->counters());
  res.body += identity_metrics_text(ctx.hub.list());
  if (ctx.edge) res.body += edge_metrics_text(*ctx.edge);
  res.content_type = kPrometheusContentType;
  return res;
}

}  // namespace

void add_native_routes(Router& r, ApiContext& ctx) {
  using auth::Permission;
  const auto need = auth::Access::need;
  // The probes and /metrics stay open: load balancers and Prometheus scrape
  // them without credentials, and they reveal no task, script or output.
  r.add("GET", "/api/v1/agents", need(Permission::agent_read), [&ctx](const ApiRequest& req) { return list_agents(ctx, req); });
  r.add("GET", "/api/v1/doctor", need(Permission::task_read), [&ctx](const ApiRequest&) { return doctor(ctx, false); });
  r.add("POST", "/api/v1/doctor/repair", need(Permission::task_action), [&ctx](const ApiRequest&) { return doctor(ctx, true); });
  r.add("GET", "/api/v1/tasks/:id", need(Permission::task_read), [&ctx](const ApiRequest& req) { return task_view(ctx, req); });
  r.add("POST", "/api/v1/tasks/:id/rerun", need(Permission::task_run_adhoc),
        [&ctx](const ApiRequest& req) { return rerun_task(ctx, req); });
  r.add("GET", "/metrics", auth::Access::open(), [&ctx](const ApiRequest&) { return metrics(ctx); });
  r.add("GET", "/ping", auth::Access::open(), [](const ApiRequest&) { return text_response(200, "pong"); });
  r.add("GET", "/version", auth::Access::open(), [](const ApiRequest&) { return text_response(200, MEND_VERSION); });
  r.add("GET", "/pid", auth::Access::open(), [](const ApiRequest&) { return text_response(200, std::to_string(::getpid())); });
  r.add("GET", "/addr", auth::Access::open(), [](const ApiRequest& req) { return text_response(200, req.remote); });
}

}  // namespace mend
