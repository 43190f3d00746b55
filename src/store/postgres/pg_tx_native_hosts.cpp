// Hosts served by native agents: the statements of sqlite_tx_native_hosts.cpp,
// one per call whatever the host count.
#include "store/postgres/pg_tx.hpp"

namespace mend::pg {

Result<void> PgTx::record_native_hosts(const std::vector<std::string>& hosts, int64_t now_ms) {
  if (hosts.empty()) return ok();
  Params p;
  p.add_array(hosts);
  p.add(now_ms);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("INSERT INTO native_hosts(host, first_ms) "
                                              "SELECT DISTINCT h, $2::bigint FROM unnest($1::text[]) AS h "
                                              "ON CONFLICT (host) DO NOTHING",
                                              p));
  (void)rows;
  return ok();
}

Result<std::vector<std::string>> PgTx::native_hosts_among(const std::vector<std::string>& hosts) {
  if (hosts.empty()) return std::vector<std::string>{};
  Params p;
  p.add_array(hosts);
  MEND_ASSIGN_OR_RETURN(Rows rows, conn_.exec("SELECT host FROM native_hosts WHERE host = ANY($1::text[])", p));
  std::vector<std::string> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.text(i, 0));
  return out;
}

}  // namespace mend::pg
