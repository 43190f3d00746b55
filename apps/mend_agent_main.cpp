// mend-agent: settings in (agent/agent_settings.cpp), MendAgent started,
// signals wired to it. `mend-agent supervise ...` is the per-script
// supervisor (agent/supervisor.hpp).
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "agent/agent_settings.hpp"
#include "agent/mend_agent.hpp"
#include "agent/supervisor.hpp"
#include "common/asio.hpp"
#include "common/failpoint.hpp"
#include "common/log.hpp"

int main(int argc, char** argv) {
  using namespace mend;
  // Each script runs under `mend-agent supervise ...` (see agent/supervisor.hpp).
  if (argc >= 2 && std::string(argv[1]) == "supervise") {
    return agent::supervisor_main(std::vector<std::string>(argv + 2, argv + argc));
  }
  init_failpoints_from_env();
  SettingsProgram program{"mend-agent", "runs Mend's remediation scripts on this host",
                          std::string("mend-agent ") + MEND_VERSION};
  auto read = read_settings(program, agent::agent_settings_table(), argc, argv);
  if (!read.settings) return read.exit_code;
  const agent::AgentSettings& s = *read.settings;
  if (auto r = agent::check_agent_settings(s); !r) {
    std::cerr << "mend-agent: " << r.error().message << "\n";
    return 2;
  }
  if (!setup_logging(s.log_level, "mend-agent")) {
    std::cerr << "unknown --log-level '" << s.log_level << "'\n";
    return 2;
  }
  // Not the path we were started from: after an upgrade replaced the binary,
  // /proc/self/exe is still the running version.
  agent::MendAgent mend_agent(s, "/proc/self/exe");
  if (auto r = mend_agent.start(); !r) {
    std::cerr << "mend-agent: " << r.error().message << "\n";
    return 1;
  }
  for (const auto& w : read.warnings) spdlog::warn("{}", w);
  asio::signal_set stop_signals(mend_agent.io_context(), SIGTERM, SIGINT);
  stop_signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    mend_agent.stop();
  });
  mend_agent.run();
  if (!mend_agent.gave_up().empty()) {
    // Said on stderr too, where someone starting the agent by hand looks.
    std::cerr << "mend-agent: " << mend_agent.gave_up() << "\n";
    return 1;
  }
  return 0;
}
