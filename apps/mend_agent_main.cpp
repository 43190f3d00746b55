// mend-agent: wiring only. Settings (agent/agent_settings.cpp) -> AgentConfig
// -> Agent on one io_context.
#include <unistd.h>

#include <iostream>
#include <random>

#include "agent/agent.hpp"
#include "agent/agent_settings.hpp"
#include "agent/supervisor.hpp"
#include "common/asio.hpp"
#include "common/failpoint.hpp"
#include "common/log.hpp"

namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
  return buf;
}

}  // namespace

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
  // Not the path we were started from: after an upgrade replaced the binary,
  // /proc/self/exe is still the running version.
  auto config = agent::to_agent_config(*read.settings, host_name(), "/proc/self/exe");
  if (!config) {
    std::cerr << "mend-agent: " << config.error().message << "\n";
    return 2;
  }
  agent::AgentConfig cfg = std::move(*config);
  if (!setup_logging(cfg.log_level, "mend-agent")) {
    std::cerr << "unknown --log-level '" << cfg.log_level << "'\n";
    return 2;
  }
  auto spool = agent::Spool::open(cfg.spool_dir);
  if (!spool) {
    std::cerr << "cannot open spool: " << spool.error().message << "\n";
    return 1;
  }

  agent::ConnectionOptions conn;
  conn.servers = cfg.servers;
  conn.hello = proto::Hello{cfg.ident, cfg.token, MEND_VERSION};
  conn.seed = std::random_device{}();

  asio::io_context io(1);
  agent::Agent agent(io.get_executor(), cfg, std::move(*spool), conn);
  if (auto st = agent.start(); !st) {
    std::cerr << "cannot start: " << st.error().message << "\n";
    return 1;
  }
  asio::signal_set stop_signals(io, SIGTERM, SIGINT);
  stop_signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    agent.stop();
  });
  spdlog::info("mend-agent {} ident {} spool {}", MEND_VERSION, cfg.ident, cfg.spool_dir);
  for (const auto& w : read.warnings) spdlog::warn("{}", w);
  if (cfg.token.empty())
    spdlog::warn(
        "no agent token (--token-file, MEND_AGENT_TOKEN_FILE): only a server without --agent-token "
        "accepts this agent");
  asio::co_spawn(io, agent.run(), [&](std::exception_ptr e) {
    if (e) spdlog::critical("agent stopped by an exception");
    boost::system::error_code ec;
    stop_signals.cancel(ec);
    // Running scripts keep handlers pending; they are left to run on their own.
    io.stop();
  });
  io.run();
  if (!agent.gave_up().empty()) {
    // Said on stderr too, where someone starting the agent by hand looks.
    std::cerr << "mend-agent: " << agent.gave_up() << "\n";
    return 1;
  }
  spdlog::info("stopped");
  return 0;
}
