// Default bodies of the heal methods of StoreTx (see store.hpp): a backend that
// has not implemented them yet answers unavailable instead of failing to build.
#include "store/store.hpp"

namespace mend {

namespace {
Error no_heal() {
  return make_error(ErrorCode::unavailable, "this store backend does not support alert self-healing yet");
}
}  // namespace

Result<int64_t> StoreTx::insert_alert_event(const StoredAlertEvent&) { return no_heal(); }
Result<int64_t> StoreTx::insert_heal_record(const HealRecord&) { return no_heal(); }
Result<std::optional<int64_t>> StoreTx::active_heal_task(std::string_view, std::string_view, std::string_view) {
  return no_heal();
}
Result<std::optional<int64_t>> StoreTx::last_heal_run_ms(std::string_view, std::string_view) { return no_heal(); }
Result<int64_t> StoreTx::count_heal_runs_since(std::string_view, int64_t) { return no_heal(); }
Result<std::vector<HostStatus>> StoreTx::heal_run_statuses(std::string_view, int64_t, int) { return no_heal(); }
Result<std::optional<HealRecord>> StoreTx::resolve_heal_run(std::string_view, std::string_view, std::string_view,
                                                            int64_t) {
  return no_heal();
}
Result<std::vector<HealRecord>> StoreTx::list_heal_records(const HealRecordQuery&) { return no_heal(); }
Result<std::vector<HealRunTally>> StoreTx::heal_run_tallies(int64_t) { return no_heal(); }
Result<std::vector<HealDecisionCount>> StoreTx::heal_decision_counts() { return no_heal(); }
Result<std::optional<HealBreaker>> StoreTx::find_heal_breaker(std::string_view) { return no_heal(); }
Result<void> StoreTx::put_heal_breaker(const HealBreaker&) { return no_heal(); }
Result<std::vector<HealBreaker>> StoreTx::list_heal_breakers() { return no_heal(); }
Result<void> StoreTx::put_heal_definition(HealDefinitionKind, std::string_view, std::string_view, int64_t) {
  return no_heal();
}
Result<bool> StoreTx::delete_heal_definition(HealDefinitionKind, std::string_view) { return no_heal(); }
Result<std::vector<HealDefinition>> StoreTx::list_heal_definitions(HealDefinitionKind) { return no_heal(); }
Result<bool> StoreTx::host_has_run_dispatches(std::string_view) { return no_heal(); }

}  // namespace mend
