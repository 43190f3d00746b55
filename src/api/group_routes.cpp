#include "api/group_routes.hpp"

#include "api/envelope.hpp"

namespace mend {

namespace {

using nlohmann::json;
using auth::Permission;

json group_json(const StoredGroup& g) {
  return json{{"name", g.name},
              {"hosts", auth::split_patterns(g.hosts)},
              {"description", g.description},
              {"labels", g.labels},
              {"created_ms", g.created_ms},
              {"updated_ms", g.updated_ms}};
}

json grant_json(const GroupGrant& g) { return json{{"group", g.group}, {"user", g.user_name}, {"access", g.access}}; }

Result<json> body_object(const ApiRequest& req) {
  auto j = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(ErrorCode::invalid_input, "the body must be a JSON object");
  return j;
}

// "hosts": a list of names or globs; nullopt when absent.
Result<std::optional<std::vector<std::string>>> hosts_of(const json& body) {
  auto it = body.find("hosts");
  if (it == body.end()) return std::optional<std::vector<std::string>>();
  if (!it->is_array()) return make_error(ErrorCode::invalid_input, "hosts must be a list of host names or globs");
  std::vector<std::string> out;
  for (const auto& h : *it) {
    if (!h.is_string()) return make_error(ErrorCode::invalid_input, "hosts must be a list of host names or globs");
    out.push_back(h.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::optional<std::string>> description_of(const json& body) {
  auto it = body.find("description");
  if (it == body.end()) return std::optional<std::string>();
  if (!it->is_string()) return make_error(ErrorCode::invalid_input, "description must be a string");
  return std::optional<std::string>(it->get<std::string>());
}

// "labels": the label selector, "env=prod,team=db" ("" for none).
Result<std::optional<std::string>> selector_of(const json& body) {
  auto it = body.find("labels");
  if (it == body.end()) return std::optional<std::string>();
  if (!it->is_string())
    return make_error(ErrorCode::invalid_input, "labels must be a string of key=value pairs: \"env=prod,team=db\"");
  return std::optional<std::string>(it->get<std::string>());
}

// What a create or update may carry; absent fields stay nullopt.
struct GroupFields {
  json body;
  std::optional<std::vector<std::string>> hosts;
  std::optional<std::string> description;
  std::optional<std::string> selector;
};

Result<GroupFields> group_fields(const ApiRequest& req) {
  GroupFields f;
  MEND_ASSIGN_OR_RETURN(f.body, body_object(req));
  MEND_ASSIGN_OR_RETURN(f.hosts, hosts_of(f.body));
  MEND_ASSIGN_OR_RETURN(f.description, description_of(f.body));
  MEND_ASSIGN_OR_RETURN(f.selector, selector_of(f.body));
  return f;
}

ApiResponse list_groups(ApiContext& ctx, const ApiRequest& req) {
  auto groups = ctx.groups->list();
  if (!groups.ok()) return api_error(groups.error());
  auto who = ctx.groups->authority(req.principal);
  if (!who.ok()) return api_error(who.error());
  json list = json::array();
  for (const auto& g : *groups) {
    json j = group_json(g);
    j["access"] = auth::to_string(who->access(g.name));
    list.push_back(std::move(j));
  }
  return json_ok(list);
}

ApiResponse create_group(ApiContext& ctx, const ApiRequest& req) {
  auto f = group_fields(req);
  if (!f.ok()) return api_error(f.error());
  auto name = f->body.find("name");
  if (name == f->body.end() || !name->is_string()) return json_error(400, "give the group's \"name\"");
  auto g = ctx.groups->create(name->get<std::string>(), f->hosts.value_or(std::vector<std::string>{}),
                              f->description.value_or(""), f->selector.value_or(""));
  if (!g.ok()) return api_error(g.error());
  return json_ok(group_json(*g));
}

// The group with its "grants"; not_found when there is no such group.
Result<json> group_with_grants(ApiContext& ctx, const std::string& name) {
  MEND_ASSIGN_OR_RETURN(auto g, ctx.groups->find(name));
  if (!g) return make_error(ErrorCode::not_found, "no group '" + name + "'");
  MEND_ASSIGN_OR_RETURN(auto grants, ctx.groups->grants(name));
  json j = group_json(*g);
  j["grants"] = json::array();
  for (const auto& x : grants) j["grants"].push_back(grant_json(x));
  return j;
}

ApiResponse show_group(ApiContext& ctx, const std::string& name) {
  auto j = group_with_grants(ctx, name);
  return j.ok() ? json_ok(*j) : api_error(j.error());
}

ApiResponse update_group(ApiContext& ctx, const ApiRequest& req) {
  auto f = group_fields(req);
  if (!f.ok()) return api_error(f.error());
  auto g = ctx.groups->update(req.params.at("name"), f->hosts, f->description, f->selector);
  if (!g.ok()) return api_error(g.error());
  return json_ok(group_json(*g));
}

// A template or rule keeps naming the group it belongs to: deleting the group
// under it would leave it belonging to nothing.
ApiResponse delete_group(ApiContext& ctx, const std::string& name) {
  if (ctx.heal) {
    for (const auto& t : ctx.heal->rules().templates)
      if (t.group == name) return json_error(409, "group '" + name + "' has template '" + t.name + "'");
    for (const auto& r : ctx.heal->rules().rules)
      if (r.group == name) return json_error(409, "group '" + name + "' has rule '" + r.name + "'");
  }
  auto done = ctx.groups->remove(name);
  return done.ok() ? json_done() : api_error(done.error());
}

ApiResponse list_grants(ApiContext& ctx, const std::string& name) {
  auto j = group_with_grants(ctx, name);
  return j.ok() ? json_ok(j->at("grants")) : api_error(j.error());
}

ApiResponse put_grant(ApiContext& ctx, const ApiRequest& req) {
  auto body = body_object(req);
  if (!body.ok()) return api_error(body.error());
  auto a = body->find("access");
  if (a == body->end() || !a->is_string()) return json_error(400, "give \"access\": read or write");
  auto access = auth::parse_group_access(a->get<std::string>());
  if (!access.ok()) return api_error(access.error());
  auto g = ctx.groups->grant(req.params.at("name"), req.params.at("user"), *access);
  if (!g.ok()) return api_error(g.error());
  return json_ok(grant_json(*g));
}

ApiResponse roles() {
  json list = json::array();
  for (const auto& r : auth::builtin_roles()) list.push_back(json{{"name", r.name}, {"permissions", r.permissions.names()}});
  return json_ok(list);
}

}  // namespace

void add_group_routes(Router& r, ApiContext& ctx) {
  if (!ctx.groups) return;
  const auto need = auth::Access::need;
  r.add("GET", "/api/v1/roles", auth::Access::signed_in(), [](const ApiRequest&) { return roles(); });
  r.add("GET", "/api/v1/groups", need(Permission::task_read),
        [&ctx](const ApiRequest& req) { return list_groups(ctx, req); });
  r.add("POST", "/api/v1/groups", need(Permission::user_manage),
        [&ctx](const ApiRequest& req) { return create_group(ctx, req); });
  r.add("GET", "/api/v1/groups/:name", need(Permission::task_read),
        [&ctx](const ApiRequest& req) { return show_group(ctx, req.params.at("name")); });
  r.add("PUT", "/api/v1/groups/:name", need(Permission::user_manage),
        [&ctx](const ApiRequest& req) { return update_group(ctx, req); });
  r.add("DELETE", "/api/v1/groups/:name", need(Permission::user_manage),
        [&ctx](const ApiRequest& req) { return delete_group(ctx, req.params.at("name")); });
  r.add("GET", "/api/v1/groups/:name/grants", need(Permission::user_manage),
        [&ctx](const ApiRequest& req) { return list_grants(ctx, req.params.at("name")); });
  r.add("PUT", "/api/v1/groups/:name/grants/:user", need(Permission::user_manage),
        [&ctx](const ApiRequest& req) { return put_grant(ctx, req); });
  r.add("DELETE", "/api/v1/groups/:name/grants/:user", need(Permission::user_manage), [&ctx](const ApiRequest& req) {
    auto done = ctx.groups->revoke(req.params.at("name"), req.params.at("user"));
    return done.ok() ? json_done() : api_error(done.error());
  });
}

}  // namespace mend
