#include "api/host_presence.hpp"

#include <set>

#include "api/envelope.hpp"
#include "common/log.hpp"

namespace mend {

Result<UnseenHosts> unseen_hosts(ApiContext& ctx, const std::vector<std::string>& hosts, size_t max_checked) {
  std::set<std::string> other;
  if (ctx.other_agents)
    for (const auto& a : ctx.other_agents()) other.insert(a.ident);
  std::vector<std::string> absent;
  UnseenHosts out;
  for (const auto& h : hosts) {
    if (ctx.hub.connected(h) || other.count(h)) continue;
    if (absent.size() == max_checked) {
      ++out.unchecked;
      continue;
    }
    absent.push_back(h);
  }
  if (absent.empty()) return out;
  MEND_TRY(ctx.store.read([&](StoreTx& tx) -> Result<void> {
    for (const auto& h : absent) {
      MEND_ASSIGN_OR_RETURN(bool ran, tx.host_has_run_dispatches(h));
      if (!ran) out.hosts.push_back(h);
    }
    return ok();
  }));
  return out;
}

std::vector<std::string> unseen_host_warnings(const UnseenHosts& unseen, int64_t timeout_s) {
  std::vector<std::string> out;
  for (const auto& h : unseen.hosts)
    out.push_back("host " + h + ": no agent is connected as it and none ever ran a task here (a typo?); it waits " +
                  "for one and times out after " + std::to_string(timeout_s) + " s");
  if (unseen.unchecked > 0)
    out.push_back(std::to_string(unseen.unchecked) + " more hosts not connected were not checked");
  return out;
}

ApiResponse with_host_warnings(ApiContext& ctx, ApiResponse res, const TaskSpec& spec) {
  auto unseen = unseen_hosts(ctx, spec.hosts);
  if (!unseen.ok()) {
    spdlog::warn("new task: cannot check its hosts for agents: {}", unseen.error().message);
    return res;
  }
  if (unseen->hosts.empty() && unseen->unchecked == 0) return res;
  auto body = nlohmann::json::parse(res.body, nullptr, false);
  if (body.is_discarded()) return res;
  body["warnings"] = unseen_host_warnings(*unseen, spec.timeout_s);
  body["unseen_hosts"] = unseen->hosts;
  res.body = dump_json(body);
  return res;
}

}  // namespace mend
