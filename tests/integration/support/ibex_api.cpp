#include "support/ibex_api.hpp"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>

namespace mend::it {

std::string current_account() {
  if (passwd* pw = ::getpwuid(::geteuid())) return pw->pw_name;
  return "root";
}

nlohmann::json task_form(const std::vector<std::string>& hosts, const std::string& script) {
  return {{"title", "it"},     {"account", current_account()}, {"batch", 0},       {"tolerance", 0},
          {"timeout", 10},     {"pause", ""},                  {"script", script}, {"args", ""},
          {"stdin", ""},       {"action", "start"},            {"creator", "it"},  {"hosts", hosts},
          {"alert_triggered", false}};
}

int64_t IbexApi::create_task(const nlohmann::json& form) const {
  HttpResponse r = create_task_raw(form);
  if (r.status != 200 || !r.err().empty() || !r.dat().is_number_integer()) {
    ADD_FAILURE() << "create task failed: " << r;
    return 0;
  }
  return r.dat().get<int64_t>();
}

nlohmann::json IbexApi::task(int64_t id) const {
  HttpResponse r = get_task(id);
  if (r.status != 200 || !r.dat().is_object()) {
    ADD_FAILURE() << "GET task " << id << ": " << r;
    return nullptr;
  }
  return r.dat();
}

std::map<std::string, std::string> IbexApi::host_statuses(int64_t id) const {
  std::map<std::string, std::string> out;
  HttpResponse r = get_task(id);
  if (r.status != 200 || !r.dat().is_object() || !r.dat().contains("hosts") || !r.dat()["hosts"].is_array()) return out;
  for (const auto& h : r.dat()["hosts"]) {
    if (h.contains("host") && h["host"].is_string() && h.contains("status") && h["status"].is_string())
      out[h["host"].get<std::string>()] = h["status"].get<std::string>();
  }
  return out;
}

std::string IbexApi::host_status(int64_t id, const std::string& host) const {
  auto all = host_statuses(id);
  auto it = all.find(host);
  return it == all.end() ? std::string() : it->second;
}

std::string IbexApi::action(int64_t id) const {
  HttpResponse r = get_task(id);
  if (r.status != 200 || !r.dat().is_object() || !r.dat().contains("action") || !r.dat()["action"].is_string()) return {};
  return r.dat()["action"].get<std::string>();
}

std::string IbexApi::state(int64_t id) const {
  HttpResponse r = c_.get(task_path(id) + "/state");
  if (r.status != 200 || !r.dat().is_string()) return {};
  return r.dat().get<std::string>();
}

bool IbexApi::is_done(int64_t id) const {
  HttpResponse r = get_task(id);
  if (r.status != 200 || !r.dat().is_object()) return false;
  const auto& meta = r.dat().value("meta", nlohmann::json::object());
  return meta.is_object() && meta.value("done", false) == true;
}

HttpResponse IbexApi::task_action(int64_t id, const std::string& action) const {
  return c_.put_json(task_path(id) + "/action", {{"action", action}});
}

bool IbexApi::act(int64_t id, const std::string& action) const {
  HttpResponse r = task_action(id, action);
  if (r.status == 200 && r.err().empty()) return true;
  ADD_FAILURE() << action << " of task " << id << ": " << r;
  return false;
}

HttpResponse IbexApi::host_action(int64_t id, const std::string& host, const std::string& action) const {
  return c_.put_json(task_path(id) + "/host/" + host + "/action", {{"action", action}});
}

HttpResponse IbexApi::host_output(int64_t id, const std::string& host) const {
  return c_.get(task_path(id) + "/host/" + host + "/output");
}

std::string IbexApi::host_stdout(int64_t id, const std::string& host) const {
  HttpResponse r = c_.get(task_path(id) + "/host/" + host + "/stdout");
  if (r.status != 200 || !r.dat().is_string()) {
    ADD_FAILURE() << "GET stdout of " << host << " in task " << id << ": " << r;
    return {};
  }
  return r.dat().get<std::string>();
}

bool IbexApi::wait_task_done(int64_t id, std::chrono::milliseconds timeout) const {
  if (wait_until([&] { return is_done(id); }, timeout)) return true;
  ADD_FAILURE() << "task " << id << " not done; now: " << get_task(id);
  return false;
}

bool IbexApi::wait_host_status(int64_t id, const std::string& host, const std::string& status,
                               std::chrono::milliseconds timeout) const {
  if (wait_until([&] { return host_status(id, host) == status; }, timeout)) return true;
  ADD_FAILURE() << "host " << host << " of task " << id << " never became " << status << "; now: " << get_task(id);
  return false;
}

bool IbexApi::wait_action(int64_t id, const std::string& action_name, std::chrono::milliseconds timeout) const {
  if (wait_until([&] { return action(id) == action_name; }, timeout)) return true;
  ADD_FAILURE() << "task " << id << " action never became " << action_name << "; now: " << get_task(id);
  return false;
}

nlohmann::json IbexApi::agents() const {
  HttpResponse r = c_.get("/api/v1/agents");
  if (r.status != 200 || !r.dat().is_array()) return nullptr;
  return r.dat();
}

nlohmann::json IbexApi::agent(const std::string& ident) const {
  nlohmann::json list = agents();
  if (list.is_array())
    for (const auto& a : list)
      if (a.value("ident", "") == ident) return a;
  return nullptr;
}

std::vector<std::string> IbexApi::agent_idents() const {
  std::vector<std::string> out;
  // Those connected to this server: on PostgreSQL the plain list is the whole fleet.
  HttpResponse r = c_.get("/api/v1/agents?here=true");
  auto list = r.status == 200 ? r.dat() : nlohmann::json();
  if (!list.is_array()) return out;
  for (const auto& a : list)
    if (a.is_object() && a.contains("ident") && a["ident"].is_string()) out.push_back(a["ident"].get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

bool IbexApi::wait_agents(std::vector<std::string> idents, std::chrono::milliseconds timeout) const {
  std::sort(idents.begin(), idents.end());
  if (wait_until([&] { return agent_idents() == idents; }, timeout)) return true;
  ADD_FAILURE() << "agents never became exactly the expected set; now: " << c_.get("/api/v1/agents?here=true");
  return false;
}

bool IbexApi::wait_agents_connected(size_t n, std::chrono::milliseconds timeout) const {
  if (wait_until([&] { return agent_idents().size() == n; }, timeout)) return true;
  ADD_FAILURE() << n << " agents never connected; now: " << c_.get("/api/v1/agents?here=true");
  return false;
}

}  // namespace mend::it
