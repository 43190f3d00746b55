// The agent_presence table, written once for both backends over
// StoreTx::query (statements in PostgreSQL's form, see sql_query.hpp).
#include "store/presence_tx.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace mend {

namespace {

SqlValue v(std::string_view s) { return std::string(s); }
SqlValue v(int64_t i) { return i; }

std::string labels_json(const std::map<std::string, std::string>& labels) {
  return nlohmann::json(labels).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A row written by a server of this version holds an object of strings;
// anything else (a hand edit) reads as no labels rather than failing the list.
std::map<std::string, std::string> parse_labels(const std::string& text) {
  std::map<std::string, std::string> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (auto& [k, val] : j.items())
    if (val.is_string()) out[k] = val.get<std::string>();
  return out;
}

// An agent row is as fresh as the later of its own last_seen_ms and its
// server's heartbeat (no heartbeat: a server of an earlier version, which
// refreshes the agent rows themselves).
const char* kSeen =
    "(CASE WHEN s.last_seen_ms > p.last_seen_ms THEN s.last_seen_ms ELSE p.last_seen_ms END)";
const char* kFrom = " FROM agent_presence p LEFT JOIN presence_servers s ON s.server_id = p.server_id ";

PresenceRow read_row(const SqlRows& r, size_t i) {
  return PresenceRow{r.text(i, 0), r.text(i, 1), parse_labels(r.text(i, 2)), r.text(i, 3),
                     r.text(i, 4), r.text(i, 5), r.i64(i, 6),               r.i64(i, 7)};
}

}  // namespace

Result<void> put_presence(StoreTx& tx, const PresenceRow& row) {
  MEND_TRY(tx.query(
      "INSERT INTO agent_presence(host, server_id, labels, version, remote, identity, connected_ms, last_seen_ms) "
      "VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::bigint, $8::bigint) "
      "ON CONFLICT (host) DO UPDATE SET server_id = excluded.server_id, labels = excluded.labels, "
      "version = excluded.version, remote = excluded.remote, identity = excluded.identity, "
      "connected_ms = excluded.connected_ms, last_seen_ms = excluded.last_seen_ms",
      {v(row.host), v(row.server_id), v(labels_json(row.labels)), v(row.version), v(row.remote), v(row.identity),
       v(row.connected_ms), v(row.last_seen_ms)}));
  return ok();
}

Result<void> delete_presence(StoreTx& tx, std::string_view host, std::string_view server_id) {
  MEND_TRY(tx.query("DELETE FROM agent_presence WHERE host = $1::text AND server_id = $2::text",
                    {v(host), v(server_id)}));
  return ok();
}

Result<int64_t> delete_server_presence(StoreTx& tx, std::string_view server_id) {
  MEND_ASSIGN_OR_RETURN(SqlRows r,
                        tx.query("DELETE FROM agent_presence WHERE server_id = $1::text", {v(server_id)}));
  MEND_TRY(tx.query("DELETE FROM presence_servers WHERE server_id = $1::text", {v(server_id)}));
  return r.affected;
}

Result<void> refresh_presence(StoreTx& tx, std::string_view server_id, int64_t now_ms) {
  MEND_TRY(tx.query("INSERT INTO presence_servers(server_id, last_seen_ms) VALUES ($1::text, $2::bigint) "
                    "ON CONFLICT (server_id) DO UPDATE SET last_seen_ms = excluded.last_seen_ms",
                    {v(server_id), v(now_ms)}));
  return ok();
}

Result<int64_t> prune_presence(StoreTx& tx, int64_t before_ms) {
  MEND_ASSIGN_OR_RETURN(SqlRows r, tx.query("DELETE FROM agent_presence WHERE last_seen_ms < $1::bigint "
                                            "AND server_id NOT IN "
                                            "(SELECT server_id FROM presence_servers WHERE last_seen_ms >= $1::bigint)",
                                            {v(before_ms)}));
  MEND_TRY(tx.query("DELETE FROM presence_servers WHERE last_seen_ms < $1::bigint", {v(before_ms)}));
  return r.affected;
}

Result<std::vector<PresenceRow>> list_presence(StoreTx& tx, int64_t seen_since_ms) {
  MEND_ASSIGN_OR_RETURN(SqlRows r,
                        tx.query(std::string("SELECT p.host, p.server_id, p.labels, p.version, p.remote, p.identity, "
                                             "p.connected_ms, ") +
                                     kSeen + kFrom + "WHERE " + kSeen + " >= $1::bigint ORDER BY p.host",
                                 {v(seen_since_ms)}));
  std::vector<PresenceRow> out;
  out.reserve(r.size());
  for (size_t i = 0; i < r.size(); ++i) out.push_back(read_row(r, i));
  return out;
}

Result<std::map<std::string, std::map<std::string, std::string>>> presence_labels(
    StoreTx& tx, const std::vector<std::string>& hosts, int64_t seen_since_ms) {
  std::map<std::string, std::map<std::string, std::string>> out;
  // In slices, so a task on 10,000 hosts stays within every driver's limit
  // on parameters.
  constexpr size_t kSlice = 500;
  for (size_t start = 0; start < hosts.size(); start += kSlice) {
    const size_t end = std::min(hosts.size(), start + kSlice);
    std::string sql =
        std::string("SELECT p.host, p.labels") + kFrom + "WHERE " + kSeen + " >= $1::bigint AND p.host IN (";
    std::vector<SqlValue> params{v(seen_since_ms)};
    for (size_t i = start; i < end; ++i) {
      params.push_back(v(hosts[i]));
      sql += (i == start ? "$" : ", $") + std::to_string(params.size()) + "::text";
    }
    sql += ")";
    MEND_ASSIGN_OR_RETURN(SqlRows r, tx.query(sql, params));
    for (size_t i = 0; i < r.size(); ++i) out[r.text(i, 0)] = parse_labels(r.text(i, 1));
  }
  return out;
}

}  // namespace mend
