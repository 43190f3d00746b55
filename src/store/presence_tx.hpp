#pragma once
// Which native agents are connected, to which server, with what labels: the
// agent_presence table (schema version 10), shared by every server on one
// database. Written by dispatch/agent_presence.hpp, read by the agents list
// and by host groups' label selectors. Free functions over StoreTx::query,
// written once for both backends, as group_tx.hpp is.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"

namespace mend {

struct PresenceRow {
  std::string host;
  std::string server_id;  // the server holding the connection
  std::map<std::string, std::string> labels;
  std::string version;
  std::string remote;
  std::string identity;  // tls::identity_state at connection time
  int64_t connected_ms = 0;
  int64_t last_seen_ms = 0;
};

// Inserts or replaces the host's row (an agent that moved to another server
// is now that server's).
Result<void> put_presence(StoreTx& tx, const PresenceRow& row);
// Deletes the host's row if `server_id` holds it (a row another server took
// over since is left alone).
Result<void> delete_presence(StoreTx& tx, std::string_view host, std::string_view server_id);
// Every row of one server, and its heartbeat: at its start (rows a crash
// left) and orderly stop. How many agent rows.
Result<int64_t> delete_server_presence(StoreTx& tx, std::string_view server_id);
// The server's heartbeat (presence_servers, schema version 12): one row
// however many agents it holds. Every one of its agent rows reads as seen at
// `now_ms` from then on.
Result<void> refresh_presence(StoreTx& tx, std::string_view server_id, int64_t now_ms);
// Deletes agent rows seen last before `before_ms` (their server died), and the
// heartbeats as old; how many agent rows.
Result<int64_t> prune_presence(StoreTx& tx, int64_t before_ms);
// Rows seen at or after `seen_since_ms`, by host; last_seen_ms is the later
// of the row's own and its server's heartbeat.
Result<std::vector<PresenceRow>> list_presence(StoreTx& tx, int64_t seen_since_ms);
// The labels of those of `hosts` with a row seen at or after `seen_since_ms`.
Result<std::map<std::string, std::map<std::string, std::string>>> presence_labels(
    StoreTx& tx, const std::vector<std::string>& hosts, int64_t seen_since_ms);

}  // namespace mend
