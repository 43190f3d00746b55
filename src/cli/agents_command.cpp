#include "cli/commands.hpp"
#include "cli/table.hpp"
#include "cli/time_format.hpp"

namespace mend::cli {

int agents_command(const ServerApi& api, int64_t now_ms, Console& console) {
  if (console.json) {
    auto dat = api.get_json("/api/v1/agents");
    if (!dat) return report_error(console, dat.error());
    return print_json(console, *dat);
  }
  auto agents = api.agents();
  if (!agents) return report_error(console, agents.error());
  std::vector<std::vector<std::string>> rows;
  for (const auto& a : *agents) {
    rows.push_back({a.ident, a.protocol, a.identity, a.server, a.labels.empty() ? "-" : a.labels, a.remote,
                    format_time(a.connected_ms, console.utc), format_ago(now_ms, a.last_seen_ms)});
  }
  console.out << format_table(
      {"IDENT", "PROTOCOL", "IDENTITY", "SERVER", "LABELS", "REMOTE", "CONNECTED SINCE", "LAST SEEN"}, rows);
  console.out << agents->size() << (agents->size() == 1 ? " agent" : " agents") << " connected\n";
  return kExitOk;
}

int join_token_command(const ServerApi& api, const JoinTokenOptions& o, Console& console) {
  nlohmann::json request{{"ttl_s", o.ttl_s}};
  if (!o.host.empty()) request["host"] = o.host;
  if (!o.pattern.empty()) {
    request["pattern"] = o.pattern;
    request["max_hosts"] = o.max_hosts;
  }
  auto made = api.create_join_token(request);
  if (!made) return report_error(console, made.error());
  console.out << made->value("token", "") << "\n";
  console.err << "join token " << made->value("id", "") << " for " << made->value("host_pattern", "") << " (up to "
              << made->value("max_hosts", int64_t{1}) << " host(s)), expires " 
              << format_time(made->value("expires_ms", int64_t{0}), console.utc) << "; CA fingerprint "
              << made->value("ca_fingerprint", "") << "\n"
              << "on the host: mend-agent --server " << api.server().text << " --join-token TOKEN\n";
  return kExitOk;
}

int revoke_join_token_command(const ServerApi& api, const std::string& id, Console& console) {
  auto r = api.revoke_join_token(id);
  if (!r) return report_error(console, r.error());
  console.out << "join token " << id << " revoked: no host enrolls with it now; hosts that did keep their "
              << "certificates\n";
  return kExitOk;
}

int revoke_agent_command(const ServerApi& api, const std::string& host, Console& console) {
  auto r = api.revoke_agent(host);
  if (!r) return report_error(console, r.error());
  console.out << host << ": " << r->value("revoked", int64_t{0}) << " certificate(s) revoked; its connections close on "
              << "every server\n";
  return kExitOk;
}

}  // namespace mend::cli
