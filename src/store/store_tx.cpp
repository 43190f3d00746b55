// StoreTx's one-row calls: each is its many-row call with one row, so a
// backend writes every rule once.
#include "store/row_fields.hpp"
#include "store/store.hpp"

namespace mend {

Result<std::optional<HostRun>> StoreTx::find_host(int64_t task_id, std::string_view host) {
  MEND_ASSIGN_OR_RETURN(std::vector<HostRun> found, find_hosts({HostKey{task_id, std::string(host)}}));
  return first(std::move(found));
}

Result<void> StoreTx::update_host(const HostRun& run) { return update_hosts({run}); }

Result<std::optional<Dispatch>> StoreTx::find_dispatch(int64_t id) {
  MEND_ASSIGN_OR_RETURN(std::vector<Dispatch> found, find_dispatches({id}));
  return first(std::move(found));
}

Result<void> StoreTx::mark_dispatch_started(int64_t id, int64_t now_ms) { return mark_dispatches_started({id}, now_ms); }

Result<void> StoreTx::close_dispatch(int64_t id, std::string_view result, int64_t now_ms) {
  return close_dispatches({DispatchClose{id, std::string(result)}}, now_ms);
}

}  // namespace mend
