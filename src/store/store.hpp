#pragma once
// The one storage interface. The engine states every state change as a single
// call to Store::transact; a backend (SQLite now, PostgreSQL next) commits all
// of it or none of it. Nothing above src/store knows an SQL dialect.
//
// Threading: a Store may be used from one thread at a time (the server runs its
// engine on one strand). StoreTx objects live only inside the callback.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/model.hpp"

namespace mend {

// An assignment the agent of `host` should be running: an open dispatch joined
// with the task fields the agent needs.
struct OpenDispatch {
  Dispatch dispatch;
  std::string script;
  std::string args;
  std::string account;
  std::string stdin_text;
  int timeout_s = 30;
};

class StoreTx {
 public:
  virtual ~StoreTx() = default;

  // Tasks. insert_task writes the task row, its action row and every host row
  // (status waiting, seq in spec order) and returns the new id.
  virtual Result<int64_t> insert_task(const TaskSpec& spec, int64_t now_ms) = 0;
  virtual Result<std::optional<Task>> find_task(int64_t id) = 0;
  virtual Result<void> set_action(int64_t task_id, TaskAction action, int64_t now_ms) = 0;
  virtual Result<void> set_done(int64_t task_id, bool done) = 0;
  virtual Result<TaskPage> list_tasks(const TaskQuery& q) = 0;
  // Ids among `ids` whose task is done (unknown ids are left out).
  virtual Result<std::vector<int64_t>> done_ids(const std::vector<int64_t>& ids) = 0;
  // Ids of every task that is not done, oldest first.
  virtual Result<std::vector<int64_t>> unfinished_task_ids() = 0;

  // Hosts of a task, in seq order.
  virtual Result<std::vector<HostRun>> task_hosts(int64_t task_id) = 0;
  virtual Result<std::optional<HostRun>> find_host(int64_t task_id, std::string_view host) = 0;
  // Writes status, outputs, dispatch_id, dispatched_ms and updated_ms of the row
  // keyed by (task_id, host).
  virtual Result<void> update_host(const HostRun& run) = 0;
  // Live output: replaces the outputs only while `dispatch_id` is the host's
  // current dispatch. Returns whether a row changed.
  virtual Result<bool> update_host_output(int64_t task_id, std::string_view host, int64_t dispatch_id,
                                          std::string_view stdout_text, std::string_view stderr_text,
                                          int64_t now_ms) = 0;

  // Dispatches. insert_dispatch numbers the attempt (1 + previous attempts).
  virtual Result<Dispatch> insert_dispatch(int64_t task_id, std::string_view host, int64_t now_ms) = 0;
  virtual Result<std::optional<Dispatch>> find_dispatch(int64_t id) = 0;
  virtual Result<void> mark_dispatch_started(int64_t id, int64_t now_ms) = 0;
  virtual Result<void> request_dispatch_kill(int64_t id) = 0;
  // Records the final status; a dispatch is closed once and never reopened.
  virtual Result<void> close_dispatch(int64_t id, std::string_view result, int64_t now_ms) = 0;
  // Open dispatches whose host is `host` (to send when its agent connects).
  virtual Result<std::vector<OpenDispatch>> open_dispatches_for_host(std::string_view host) = 0;
  virtual Result<std::optional<OpenDispatch>> open_dispatch(int64_t id) = 0;

  virtual Result<StoreCounts> counts() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  using TxFn = std::function<Result<void>(StoreTx&)>;
  // Runs fn in one write transaction: commits when fn returns ok, rolls back
  // otherwise (returning fn's error). Retries internally while the database is
  // busy; returns ErrorCode::unavailable if it stays busy.
  virtual Result<void> transact(const TxFn& fn) = 0;
  // Runs fn in a read-only snapshot.
  virtual Result<void> read(const TxFn& fn) = 0;
};

// Opens the store named by a URL: "sqlite:PATH" (PATH may be ":memory:").
// Applies pending schema migrations. Errors: invalid_input for an unknown
// scheme, unavailable when the database cannot be opened or migrated.
Result<std::unique_ptr<Store>> open_store(const std::string& url);

}  // namespace mend
