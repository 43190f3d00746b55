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
    rows.push_back({a.ident, a.protocol, a.remote, format_time(a.connected_ms, console.utc),
                    format_ago(now_ms, a.last_seen_ms)});
  }
  console.out << format_table({"IDENT", "PROTOCOL", "REMOTE", "CONNECTED SINCE", "LAST SEEN"},
                              rows);
  console.out << agents->size() << (agents->size() == 1 ? " agent" : " agents") << " connected\n";
  return kExitOk;
}

}  // namespace mend::cli
