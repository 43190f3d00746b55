#pragma once
// This server's native agents in the agent_presence table (store/presence_tx.hpp),
// so that every server sharing the database lists the whole fleet and host
// groups can match the labels of an agent connected elsewhere.
//
// Off the dispatch path, and cheap with tens of thousands of idle agents:
// attaches and detaches are queued and written by the next tick in one
// transaction (an agent appears within a tick, ~1 s; up to kMaxWritesPerTick
// a tick, so a reconnect storm is spread over ticks); every `refresh` one
// statement sets last_seen_ms of all this server's rows. A row not refreshed
// for kStalePeriods refreshes counts as disconnected: a crashed server's
// agents drop out of every list within that, and reconnect elsewhere.
//
// Threading: the server's one io_context thread, like the hub.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "dispatch/agent_hub.hpp"
#include "store/presence_tx.hpp"
#include "store/store.hpp"

namespace mend {

class AgentPresence {
 public:
  static constexpr int kStalePeriods = 3;
  // Rows this much older than the stale mark are deleted by whoever refreshes.
  static constexpr int kPrunePeriods = 60;
  // Attaches and detaches written by one tick; more wait for the next.
  static constexpr size_t kMaxWritesPerTick = 1000;

  AgentPresence(Store& store, AgentHub& hub, const Clock& clock, std::string server_id,
                std::chrono::milliseconds refresh = std::chrono::seconds(5));

  // Deletes the rows an earlier run under this server id left (its agents
  // reconnect and are written again) and starts following the hub.
  Result<void> start();
  // Writes what is queued, and refreshes last_seen_ms when due. Failures are
  // logged; what was queued stays queued for the next tick.
  void tick();
  // Orderly stop: this server's rows go at once instead of going stale.
  void stop();

  // Every agent connected to any server on the database: this server's from
  // the hub (current even before the next tick), the others' from fresh rows.
  Result<std::vector<AgentInfo>> fleet();
  // The labels of those of `hosts` with a connected native agent anywhere.
  Result<std::map<std::string, proto::Labels>> labels_of(const std::vector<std::string>& hosts);

  const std::string& server_id() const { return server_id_; }
  size_t queued() const { return queued_.size(); }

 private:
  int64_t seen_since(int64_t now) const { return now - kStalePeriods * refresh_.count(); }

  Store& store_;
  AgentHub& hub_;
  const Clock& clock_;
  std::string server_id_;
  std::chrono::milliseconds refresh_;
  int64_t last_refresh_ms_ = 0;
  // ident -> its row to write, or nullopt to delete it.
  std::map<std::string, std::optional<PresenceRow>> queued_;
};

}  // namespace mend
