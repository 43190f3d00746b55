#pragma once
// StoreTx on an SQLite connection that is inside a transaction. SqliteStore
// makes one per transact()/read() call; it never begins or ends transactions.
// Every value reaches SQL as a bound parameter.
#include "store/sqlite/connection.hpp"
#include "store/store.hpp"

namespace mend::sqlite {

class SqliteTx final : public StoreTx {
 public:
  explicit SqliteTx(Connection& conn) : conn_(conn) {}

  // sqlite_tx_tasks.cpp
  Result<int64_t> insert_task(const TaskSpec& spec, int64_t now_ms) override;
  Result<std::optional<Task>> find_task(int64_t id) override;
  Result<void> set_action(int64_t task_id, TaskAction action, int64_t now_ms) override;
  Result<void> set_done(int64_t task_id, bool done) override;
  Result<TaskPage> list_tasks(const TaskQuery& q) override;
  Result<std::vector<int64_t>> done_ids(const std::vector<int64_t>& ids) override;
  Result<std::vector<int64_t>> unfinished_task_ids() override;
  Result<StoreCounts> counts() override;

  // sqlite_tx_hosts.cpp
  Result<std::vector<HostRun>> task_hosts(int64_t task_id) override;
  Result<std::optional<HostRun>> find_host(int64_t task_id, std::string_view host) override;
  Result<void> update_host(const HostRun& run) override;
  Result<bool> update_host_output(int64_t task_id, std::string_view host, int64_t dispatch_id,
                                  std::string_view stdout_text, std::string_view stderr_text,
                                  int64_t now_ms) override;

  // sqlite_tx_dispatches.cpp
  Result<Dispatch> insert_dispatch(int64_t task_id, std::string_view host, int64_t now_ms) override;
  Result<std::optional<Dispatch>> find_dispatch(int64_t id) override;
  Result<void> mark_dispatch_started(int64_t id, int64_t now_ms) override;
  Result<void> request_dispatch_kill(int64_t id) override;
  Result<void> close_dispatch(int64_t id, std::string_view result, int64_t now_ms) override;
  Result<std::vector<OpenDispatch>> open_dispatches_for_host(std::string_view host) override;
  Result<std::optional<OpenDispatch>> open_dispatch(int64_t id) override;

 private:
  Result<bool> task_exists(int64_t task_id);
  Result<bool> dispatch_exists(int64_t id);

  Connection& conn_;
};

}  // namespace mend::sqlite
