#include "dispatch/agent_hub.hpp"

#include "common/log.hpp"

namespace mend {

std::shared_ptr<AgentConnection> AgentHub::live(const std::string& ident) const {
  auto it = agents_.find(ident);
  if (it == agents_.end()) return nullptr;
  return it->second.conn.lock();
}

Result<void> AgentHub::attach(const std::string& ident, const std::shared_ptr<AgentConnection>& conn) {
  if (auto held = live(ident); held && held != conn)
    return make_error(ErrorCode::conflict, "ident " + ident + " is already connected");
  int64_t now = clock_.now_ms();
  agents_[ident] = Entry{conn, conn->remote(), now, now};
  for (const auto& listener : on_attach_) listener(ident);
  return ok();
}

void AgentHub::detach(const std::string& ident, const AgentConnection* conn) {
  auto it = agents_.find(ident);
  if (it == agents_.end()) return;
  auto held = it->second.conn.lock();
  // An expired entry is removed too: its session is gone whoever asks.
  if (!held || held.get() == conn) {
    agents_.erase(it);
    for (const auto& listener : on_detach_) listener(ident);
  }
}

void AgentHub::touch(const std::string& ident) {
  auto it = agents_.find(ident);
  if (it != agents_.end()) it->second.last_seen_ms = clock_.now_ms();
}

std::vector<AgentInfo> AgentHub::list() const {
  std::vector<AgentInfo> out;
  const int64_t now = clock_.now_ms();
  for (const auto& [ident, e] : agents_) {
    auto conn = e.conn.lock();
    if (!conn) continue;
    out.push_back(AgentInfo{ident, "native", e.remote, e.connected_ms, e.last_seen_ms, conn->identity(now),
                            conn->version(), conn->labels()});
  }
  return out;
}

std::optional<AgentInfo> AgentHub::find(const std::string& ident) const {
  auto it = agents_.find(ident);
  if (it == agents_.end()) return std::nullopt;
  auto conn = it->second.conn.lock();
  if (!conn) return std::nullopt;
  const Entry& e = it->second;
  return AgentInfo{ident,          "native",           e.remote, e.connected_ms, e.last_seen_ms,
                   conn->identity(clock_.now_ms()), conn->version(), conn->labels()};
}

size_t AgentHub::connected_count() const {
  size_t n = 0;
  for (const auto& [ident, e] : agents_)
    if (!e.conn.expired()) ++n;
  return n;
}

bool AgentHub::send(const std::string& host, const proto::Message& m) {
  auto conn = live(host);
  if (!conn) return false;
  conn->send(proto::encode(m));
  return true;
}

void AgentHub::close_all() {
  std::vector<std::shared_ptr<AgentConnection>> conns;
  for (const auto& [ident, e] : agents_)
    if (auto c = e.conn.lock()) conns.push_back(std::move(c));
  for (auto& c : conns) c->close();
}

bool AgentHub::close(const std::string& ident) {
  auto conn = live(ident);
  if (!conn) return false;
  conn->close();
  return true;
}

void AgentHub::push_assign(const std::string& host, const proto::Assign& assign) {
  if (!send(host, assign))
    spdlog::debug("agent {} not connected: assign dispatch {} task {} waits for it", host, assign.dispatch_id,
                  assign.task_id);
}

void AgentHub::push_kill(const std::string& host, const proto::Kill& kill) {
  if (!send(host, kill))
    spdlog::debug("agent {} not connected: kill dispatch {} task {} waits for it", host, kill.dispatch_id,
                  kill.task_id);
}

}  // namespace mend
