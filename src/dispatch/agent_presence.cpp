#include "dispatch/agent_presence.hpp"

#include <set>

#include "common/log.hpp"

namespace mend {

AgentPresence::AgentPresence(Store& store, AgentHub& hub, const Clock& clock, std::string server_id,
                             std::chrono::milliseconds refresh)
    : store_(store), hub_(hub), clock_(clock), server_id_(std::move(server_id)), refresh_(refresh) {}

Result<void> AgentPresence::start() {
  MEND_TRY(store_.transact([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(int64_t left, delete_server_presence(tx, server_id_));
    if (left > 0) spdlog::info("agent presence: {} row(s) of an earlier run of {} removed", left, server_id_);
    return ok();
  }));
  last_refresh_ms_ = clock_.now_ms();
  hub_.on_attach([this](const std::string& ident) {
    auto a = hub_.find(ident);
    if (!a) return;
    queued_[ident] = PresenceRow{ident, server_id_, a->labels, a->version, a->remote, a->identity,
                                 a->connected_ms, a->last_seen_ms};
  });
  hub_.on_detach([this](const std::string& ident) { queued_[ident] = std::nullopt; });
  return ok();
}

void AgentPresence::tick() {
  const int64_t now = clock_.now_ms();
  const bool refresh_due = now - last_refresh_ms_ >= refresh_.count();
  if (queued_.empty() && !refresh_due) return;
  // At most kMaxWritesPerTick changes a tick: when thousands of agents
  // reconnect at once (a server restarted), the rest wait a tick rather than
  // one long transaction holding up dispatches on this thread.
  auto end = queued_.begin();
  for (size_t n = 0; end != queued_.end() && n < kMaxWritesPerTick; ++n) ++end;
  auto written = store_.transact([&](StoreTx& tx) -> Result<void> {
    for (auto it = queued_.begin(); it != end; ++it) {
      const auto& [ident, row] = *it;
      if (row) {
        PresenceRow r = *row;
        r.last_seen_ms = now;
        MEND_TRY(put_presence(tx, r));
      } else {
        MEND_TRY(delete_presence(tx, ident, server_id_));
      }
    }
    if (refresh_due) {
      MEND_TRY(refresh_presence(tx, server_id_, now));
      MEND_TRY(prune_presence(tx, seen_since(now) - kPrunePeriods * refresh_.count()));
    }
    return ok();
  });
  if (!written.ok()) {
    spdlog::warn("agent presence: cannot write {} change(s): {} (retried next tick)", queued_.size(),
                 written.error().message);
    return;
  }
  queued_.erase(queued_.begin(), end);
  if (refresh_due) last_refresh_ms_ = now;
}

void AgentPresence::stop() {
  queued_.clear();
  auto gone = store_.transact([&](StoreTx& tx) -> Result<void> {
    MEND_TRY(delete_server_presence(tx, server_id_));
    return ok();
  });
  if (!gone.ok()) spdlog::warn("agent presence: cannot remove this server's rows: {}", gone.error().message);
}

Result<std::vector<AgentInfo>> AgentPresence::fleet() {
  std::vector<AgentInfo> out = hub_.list();
  std::set<std::string> here;
  for (auto& a : out) {
    a.server = server_id_;
    here.insert(a.ident);
  }
  std::vector<PresenceRow> rows;
  MEND_TRY(store_.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(rows, list_presence(tx, seen_since(clock_.now_ms())));
    return ok();
  }));
  for (auto& r : rows) {
    // This server's own rows may lag the hub by a tick: the hub is the truth here.
    if (r.server_id == server_id_ || here.count(r.host)) continue;
    out.push_back(AgentInfo{r.host, "native", r.remote, r.connected_ms, r.last_seen_ms, r.identity, r.version,
                            proto::Labels(r.labels.begin(), r.labels.end()), r.server_id});
  }
  return out;
}

Result<std::map<std::string, proto::Labels>> AgentPresence::labels_of(const std::vector<std::string>& hosts) {
  std::map<std::string, proto::Labels> out;
  std::vector<std::string> elsewhere;
  for (const auto& h : hosts) {
    if (auto a = hub_.find(h))
      out[h] = a->labels;
    else
      elsewhere.push_back(h);
  }
  if (elsewhere.empty()) return out;
  std::map<std::string, std::map<std::string, std::string>> rows;
  MEND_TRY(store_.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(rows, presence_labels(tx, elsewhere, seen_since(clock_.now_ms())));
    return ok();
  }));
  for (auto& [host, labels] : rows) out[host] = proto::Labels(labels.begin(), labels.end());
  return out;
}

}  // namespace mend
