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
// Every row of one server: at its start (rows a crash left) and orderly stop.
Result<int64_t> delete_server_presence(StoreTx& tx, std::string_view server_id);
// Sets last_seen_ms of every row `server_id` holds, in one statement; how many.
Result<int64_t> refresh_presence(StoreTx& tx, std::string_view server_id, int64_t now_ms);
// Deletes rows not refreshed since `before_ms` (servers that died); how many.
Result<int64_t> prune_presence(StoreTx& tx, int64_t before_ms);
// Rows refreshed at or after `seen_since_ms`, by host.
Result<std::vector<PresenceRow>> list_presence(StoreTx& tx, int64_t seen_since_ms);
// The labels of those of `hosts` with a row refreshed at or after `seen_since_ms`.
Result<std::map<std::string, std::map<std::string, std::string>>> presence_labels(
    StoreTx& tx, const std::vector<std::string>& hosts, int64_t seen_since_ms);

}  // namespace mend
