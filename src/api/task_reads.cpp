#include "api/task_reads.hpp"

#include <charconv>

namespace mend {

Result<int64_t> parse_task_id(std::string_view text) {
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0)
    return make_error(ErrorCode::invalid_input, "invalid task id");
  return id;
}

namespace {
Error no_such_task() { return make_error(ErrorCode::not_found, kNoSuchTaskMessage); }
}  // namespace

Result<Task> read_task(Store& store, int64_t id) {
  std::optional<Task> task;
  MEND_TRY(store.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(task, tx.find_task(id));
    return ok();
  }));
  if (!task) return no_such_task();
  return std::move(*task);
}

Result<TaskWithHosts> read_task_with_hosts(Store& store, int64_t id) {
  std::optional<Task> task;
  std::vector<HostRun> hosts;
  MEND_TRY(store.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(task, tx.find_task(id));
    if (!task) return ok();
    MEND_ASSIGN_OR_RETURN(hosts, tx.task_hosts(id));
    return ok();
  }));
  if (!task) return no_such_task();
  return TaskWithHosts{std::move(*task), std::move(hosts)};
}

Result<HostRun> read_task_host(Store& store, int64_t id, const std::string& host) {
  std::optional<Task> task;
  std::optional<HostRun> run;
  MEND_TRY(store.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(task, tx.find_task(id));
    if (!task) return ok();
    MEND_ASSIGN_OR_RETURN(run, tx.find_host(id, host));
    return ok();
  }));
  if (!task) return no_such_task();
  if (!run) return make_error(ErrorCode::not_found, "no such host");
  return std::move(*run);
}

}  // namespace mend
