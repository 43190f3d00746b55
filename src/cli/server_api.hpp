#pragma once
// The server's HTTP API as mendctl uses it: the Ibex-compatible routes under
// /ibex/v1 and the native /api/v1 (agents, doctor, heal). Each call is one request; errors
// carry the server's `err` text (see envelope.hpp) or the transport failure.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/api_views.hpp"
#include "cli/http_client.hpp"
#include "common/result.hpp"

namespace mend::cli {

// Holds a reference: `http` must outlive the ServerApi. Not thread-safe.
class ServerApi {
 public:
  explicit ServerApi(const HttpClient& http) : http_(http) {}

  // POST /ibex/v1/tasks with a task form (see task_form.hpp); the new id and
  // the server's warnings (hosts no agent ever served).
  Result<CreatedTask> create_task(const nlohmann::json& form) const;
  // POST /api/v1/tasks/:id/rerun: a new task on the first one's failed hosts.
  Result<CreatedTask> rerun_task(int64_t id, const std::string& creator) const;
  // GET `path`: the answer's `dat` as it came (for -o json).
  Result<nlohmann::json> get_json(const std::string& path) const;
  Result<TaskView> task(int64_t id) const;
  // "start", "pause", "cancel", "kill", or "done" once the task has finished.
  Result<std::string> task_state(int64_t id) const;
  Result<HostOutput> host_output(int64_t id, const std::string& host) const;
  Result<void> task_action(int64_t id, const std::string& action) const;
  Result<void> host_action(int64_t id, const std::string& host, const std::string& action) const;
  // query: title filter, empty for all; limit: page size.
  Result<TaskList> list_tasks(const std::string& query, int limit) const;
  Result<std::vector<AgentView>> agents() const;
  // POST /api/v1/join-tokens with {"host"} or {"pattern","max_hosts"} and "ttl_s": the token's JSON.
  Result<nlohmann::json> create_join_token(const nlohmann::json& request) const;
  // POST /api/v1/agents/:ident/revoke: {"revoked": N, ...}.
  Result<nlohmann::json> revoke_agent(const std::string& ident) const;
  // DELETE /api/v1/join-tokens/:id
  Result<nlohmann::json> revoke_join_token(const std::string& id) const;
  // GET /api/v1/doctor, or POST /api/v1/doctor/repair: the invariant findings.
  Result<nlohmann::json> doctor(bool repair) const;
  // GET /api/v1/heal/records?QUERY, newest first; `query` is already encoded ("rule=a&limit=5", or "").
  Result<std::vector<HealRecordView>> heal_records(const std::string& query) const;
  // GET /api/v1/heal/rules?minutes=N
  Result<std::vector<HealRuleView>> heal_rules(int64_t resolved_within_minutes) const;
  // POST /api/v1/reload: {"rules": N, "templates": N} now in use.
  Result<nlohmann::json> reload() const;
  // POST /api/v1/heal/rules/:name/breaker/close
  Result<void> close_heal_breaker(const std::string& rule) const;

  // Any /api/v1 call answering the {"dat","err"} envelope: its dat.
  Result<nlohmann::json> request(Method method, const std::string& path, const nlohmann::json& body = nullptr) const {
    return call(method, path, body);
  }
  // A GET whose answer is not an envelope (JSON lines): the body as sent.
  Result<std::string> get_text(const std::string& path) const;

  const ServerUrl& server() const { return http_.server(); }

 private:
  Result<nlohmann::json> call(Method method, const std::string& path,
                              const nlohmann::json& body = nullptr) const;

  const HttpClient& http_;
};

}  // namespace mend::cli
