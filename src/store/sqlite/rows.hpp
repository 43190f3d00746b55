#pragma once
// Row readers shared by the SQLite StoreTx files. Column order:
//   host:     task_id, seq, host, status, stdout, stderr, dispatch_id, dispatched_ms, updated_ms
//   dispatch: id, task_id, host, attempt, created_ms, started_ms, finished_ms, result, kill_requested
#include "store/model.hpp"
#include "store/sqlite/statement.hpp"

namespace mend::sqlite {

Result<HostRun> read_host(const Statement& st);
Dispatch read_dispatch(const Statement& st);

}  // namespace mend::sqlite
