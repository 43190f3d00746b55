#pragma once
// The Ibex-compatible HTTP API (/ibex/v1) and /api/v1/agents as a test sees
// them. Helpers that must succeed record a gtest failure (with the response)
// when they do not, and return an empty value, so a test can ASSERT on it.
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/http_client.hpp"
#include "support/wait.hpp"

namespace mend::it {

// A valid task form: title "it", account = the tests' own account, creator
// "it", action "start", timeout 10 s, the given hosts and script. Tests
// change fields with form["x"] = ...
nlohmann::json task_form(const std::vector<std::string>& hosts, const std::string& script);
// "#!/bin/sh\n" + body: scripts as operators write them.
inline std::string sh_script(const std::string& body) { return "#!/bin/sh\n" + body; }
// The account this test process runs as (what scripts run as by default).
std::string current_account();

class IbexApi {
 public:
  explicit IbexApi(HttpClient client) : c_(std::move(client)) {}
  const HttpClient& http() const { return c_; }

  HttpResponse create_task_raw(const nlohmann::json& form) const { return c_.post_json("/ibex/v1/tasks", form); }
  // The new task id, or 0 after recording a failure.
  int64_t create_task(const nlohmann::json& form) const;

  HttpResponse get_task(int64_t id) const { return c_.get(task_path(id)); }
  // dat of GET /ibex/v1/task/:id, or null after recording a failure.
  nlohmann::json task(int64_t id) const;
  // host -> status; empty on failure (no failure recorded: used while polling).
  std::map<std::string, std::string> host_statuses(int64_t id) const;
  std::string host_status(int64_t id, const std::string& host) const;
  // The task's action ("start", "pause", ...), "" on failure.
  std::string action(int64_t id) const;
  // dat of GET .../state, "" on failure.
  std::string state(int64_t id) const;
  bool is_done(int64_t id) const;

  HttpResponse task_action(int64_t id, const std::string& action) const;
  // A task action that must be accepted (200, err empty); records a failure
  // with the response and returns false otherwise.
  bool act(int64_t id, const std::string& action) const;
  HttpResponse host_action(int64_t id, const std::string& host, const std::string& action) const;
  HttpResponse host_output(int64_t id, const std::string& host) const;
  // stdout of one host via .../host/:host/stdout ("" on failure).
  std::string host_stdout(int64_t id, const std::string& host) const;

  // Waits until the task is done; records a failure (with the task) if it is not.
  bool wait_task_done(int64_t id, std::chrono::milliseconds timeout = kWaitTimeout) const;
  bool wait_host_status(int64_t id, const std::string& host, const std::string& status,
                        std::chrono::milliseconds timeout = kWaitTimeout) const;
  bool wait_action(int64_t id, const std::string& action, std::chrono::milliseconds timeout = kWaitTimeout) const;

  // dat of GET /api/v1/agents (an array), or null.
  nlohmann::json agents() const;
  // The entry of `ident` in agents(), or null when it is not listed.
  nlohmann::json agent(const std::string& ident) const;
  std::vector<std::string> agent_idents() const;
  // Waits until exactly these idents (any order) are listed; records a failure otherwise.
  bool wait_agents(std::vector<std::string> idents, std::chrono::milliseconds timeout = kWaitTimeout) const;
  // Waits until n agents are listed.
  bool wait_agents_connected(size_t n, std::chrono::milliseconds timeout = kWaitTimeout) const;

  static std::string task_path(int64_t id) { return "/ibex/v1/task/" + std::to_string(id); }

 private:
  HttpClient c_;
};

}  // namespace mend::it
