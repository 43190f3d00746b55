// Hosts served by native agents (see StoreTx::record_native_hosts).
#include "store/sqlite/sqlite_tx.hpp"

namespace mend::sqlite {

Result<void> SqliteTx::record_native_hosts(const std::vector<std::string>& hosts, int64_t now_ms) {
  // SQLite runs in this process: a statement per host costs no round trip.
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("INSERT INTO native_hosts(host, first_ms) VALUES (?, ?) "
                                               "ON CONFLICT(host) DO NOTHING"));
  for (const std::string& host : hosts) {
    st.reset();
    MEND_TRY(st.bind(host).bind(now_ms).run());
  }
  return ok();
}

Result<std::vector<std::string>> SqliteTx::native_hosts_among(const std::vector<std::string>& hosts) {
  MEND_ASSIGN_OR_RETURN(auto st, conn_.prepare("SELECT 1 FROM native_hosts WHERE host = ?"));
  std::vector<std::string> out;
  for (const std::string& host : hosts) {
    st.reset();
    MEND_ASSIGN_OR_RETURN(bool row, st.bind(host).step());
    if (row) out.push_back(host);
  }
  return out;
}

}  // namespace mend::sqlite
