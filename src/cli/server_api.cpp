#include "cli/server_api.hpp"

#include "cli/envelope.hpp"
#include "common/encoding.hpp"

namespace mend::cli {

namespace {

std::string task_path(int64_t id) { return "/ibex/v1/task/" + std::to_string(id); }

}  // namespace

Result<nlohmann::json> ServerApi::call(Method method, const std::string& path,
                                       const nlohmann::json& body) const {
  // Scripts and outputs may hold any bytes; replace invalid UTF-8 rather than throw.
  std::string text = body.is_null()
                         ? std::string()
                         : body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  MEND_ASSIGN_OR_RETURN(auto response, http_.send(method, path, std::move(text)));
  return parse_envelope(response);
}

Result<std::string> ServerApi::get_text(const std::string& path) const {
  MEND_ASSIGN_OR_RETURN(auto response, http_.send(Method::get, path));
  if (response.status != 200) {
    MEND_TRY(parse_envelope(response));  // the server's error, in its words
    return make_error(ErrorCode::unavailable, "HTTP " + std::to_string(response.status));
  }
  return std::move(response.body);
}

namespace {

std::vector<std::string> warnings_of(const std::string& body) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object())
    if (auto w = j.find("warnings"); w != j.end() && w->is_array())
      for (const auto& e : *w)
        if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

}  // namespace

Result<CreatedTask> ServerApi::create_task(const nlohmann::json& form) const {
  std::string text = form.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  MEND_ASSIGN_OR_RETURN(auto response, http_.send(Method::post, "/ibex/v1/tasks", std::move(text)));
  MEND_ASSIGN_OR_RETURN(auto dat, parse_envelope(response));
  CreatedTask out;
  MEND_ASSIGN_OR_RETURN(out.id, parse_task_id(dat));
  out.warnings = warnings_of(response.body);
  return out;
}

Result<CreatedTask> ServerApi::rerun_task(int64_t id, const std::string& creator) const {
  nlohmann::json body = nlohmann::json::object();
  if (!creator.empty()) body["creator"] = creator;
  MEND_ASSIGN_OR_RETURN(auto response,
                        http_.send(Method::post, "/api/v1/tasks/" + std::to_string(id) + "/rerun", body.dump()));
  MEND_ASSIGN_OR_RETURN(auto dat, parse_envelope(response));
  if (!dat.is_object() || !dat.contains("id"))
    return make_error(ErrorCode::internal, "unexpected answer from server: expected the new task");
  CreatedTask out;
  MEND_ASSIGN_OR_RETURN(out.id, parse_task_id(dat["id"]));
  if (auto h = dat.find("hosts"); h != dat.end() && h->is_array())
    for (const auto& e : *h)
      if (e.is_string()) out.hosts.push_back(e.get<std::string>());
  out.warnings = warnings_of(response.body);
  return out;
}

Result<nlohmann::json> ServerApi::get_json(const std::string& path) const { return call(Method::get, path); }

Result<TaskView> ServerApi::task(int64_t id) const {
  MEND_ASSIGN_OR_RETURN(auto dat, call(Method::get, task_path(id)));
  return parse_task_view(dat);
}

Result<std::string> ServerApi::task_state(int64_t id) const {
  MEND_ASSIGN_OR_RETURN(auto dat, call(Method::get, task_path(id) + "/state"));
  if (!dat.is_string()) {
    return make_error(ErrorCode::internal, std::string("unexpected answer from server: expected a "
                                                       "task state, got ") +
                                               dat.type_name());
  }
  return dat.get<std::string>();
}

Result<HostOutput> ServerApi::host_output(int64_t id, const std::string& host) const {
  MEND_ASSIGN_OR_RETURN(auto dat,
                        call(Method::get, task_path(id) + "/host/" + url_encode(host) + "/output"));
  return parse_host_output(dat);
}

Result<void> ServerApi::task_action(int64_t id, const std::string& action) const {
  MEND_TRY(call(Method::put, task_path(id) + "/action", {{"action", action}}));
  return ok();
}

Result<void> ServerApi::host_action(int64_t id, const std::string& host,
                                    const std::string& action) const {
  MEND_TRY(call(Method::put, task_path(id) + "/host/" + url_encode(host) + "/action",
                {{"action", action}}));
  return ok();
}

Result<TaskList> ServerApi::list_tasks(const std::string& query, int limit) const {
  std::string path = "/ibex/v1/tasks?limit=" + std::to_string(limit);
  if (!query.empty()) path += "&query=" + url_encode(query);
  MEND_ASSIGN_OR_RETURN(auto dat, call(Method::get, path));
  return parse_task_list(dat);
}

Result<std::vector<AgentView>> ServerApi::agents() const {
  MEND_ASSIGN_OR_RETURN(auto dat, call(Method::get, "/api/v1/agents"));
  return parse_agents(dat);
}

Result<nlohmann::json> ServerApi::create_join_token(const nlohmann::json& request) const {
  return call(Method::post, "/api/v1/join-tokens", request);
}

Result<nlohmann::json> ServerApi::revoke_join_token(const std::string& id) const {
  return call(Method::del, "/api/v1/join-tokens/" + url_encode(id));
}

Result<nlohmann::json> ServerApi::revoke_agent(const std::string& ident) const {
  return call(Method::post, "/api/v1/agents/" + url_encode(ident) + "/revoke", nlohmann::json::object());
}

Result<nlohmann::json> ServerApi::doctor(bool repair) const {
  if (repair) return call(Method::post, "/api/v1/doctor/repair", nlohmann::json::object());
  return call(Method::get, "/api/v1/doctor");
}

Result<std::vector<HealRecordView>> ServerApi::heal_records(const std::string& query) const {
  MEND_ASSIGN_OR_RETURN(auto dat, call(Method::get, "/api/v1/heal/records" + (query.empty() ? "" : "?" + query)));
  return parse_heal_records(dat);
}

Result<std::vector<HealRuleView>> ServerApi::heal_rules(int64_t resolved_within_minutes) const {
  MEND_ASSIGN_OR_RETURN(auto dat,
                        call(Method::get, "/api/v1/heal/rules?minutes=" + std::to_string(resolved_within_minutes)));
  return parse_heal_rules(dat);
}

Result<nlohmann::json> ServerApi::reload() const {
  return call(Method::post, "/api/v1/reload", nlohmann::json::object());
}

Result<void> ServerApi::close_heal_breaker(const std::string& rule) const {
  MEND_TRY(call(Method::post, "/api/v1/heal/rules/" + url_encode(rule) + "/breaker/close", nlohmann::json::object()));
  return ok();
}

}  // namespace mend::cli
