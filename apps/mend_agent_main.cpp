// mend-agent: wiring only. Flags -> AgentConfig -> Agent on one io_context.
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "common/failpoint.hpp"
#include <cstdlib>
#include <iostream>
#include <random>

#include "agent/agent.hpp"
#include "agent/server_url.hpp"
#include "agent/supervisor.hpp"
#include "common/asio.hpp"
#include "common/log.hpp"
#include "common/secret_file.hpp"

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
  agent::AgentConfig cfg;
  cfg.ident = host_name();
  if (const char* t = std::getenv("MEND_AGENT_TOKEN")) cfg.token = t;
  std::string log_level = "info";
  int64_t kill_grace_ms = cfg.kill_grace.count();

  CLI::App app{"mend-agent: runs Mend's remediation scripts on this host"};
  app.set_version_flag("--version", std::string("mend-agent ") + MEND_VERSION);
  app.add_option("--server", cfg.servers, "server base URL, e.g. http://127.0.0.1:10090 (repeat for fail-over)")
      ->required();
  app.add_option("--ident", cfg.ident, "this host's name on the server")->capture_default_str();
  app.add_option("--token", cfg.token, "agent token (or env MEND_AGENT_TOKEN; --token-file keeps it out of ps)");
  std::string token_file;
  app.add_option("--token-file", token_file, "file holding the agent token (or env MEND_AGENT_TOKEN_FILE)")
      ->envname("MEND_AGENT_TOKEN_FILE");
  app.add_option("--spool", cfg.spool_dir, "directory for durable state")->capture_default_str();
  app.add_option("--output-limit", cfg.output_limit, "bytes kept per output stream")
      ->capture_default_str()
      ->check(CLI::Range(size_t{64}, size_t{64} << 20));
  app.add_option("--kill-grace-ms", kill_grace_ms, "SIGTERM to SIGKILL delay")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{600000}));
  bool in_process = false;
  app.add_flag("--in-process", in_process,
               "run scripts inside the agent process instead of under a supervisor each "
               "(saves a process start per script; a script then dies with the agent and is reported lost)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (app.count("--token")) {
    if (!token_file.empty()) {
      std::cerr << "mend-agent: give --token or --token-file, not both\n";
      return 2;
    }
    std::cerr << "mend-agent: warning: " << secret_flag_warning("--token", "--token-file") << "\n";
  }
  std::string token_warning;
  if (!token_file.empty()) {
    auto t = read_one_secret(token_file, "--token-file", &token_warning);
    if (!t) {
      std::cerr << "mend-agent: " << t.error().message << "\n";
      return 2;
    }
    cfg.token = std::move(*t);
  }
  cfg.kill_grace = std::chrono::milliseconds(kill_grace_ms);
  cfg.log_level = log_level;
  // Not the path we were started from: after an upgrade replaced the binary,
  // /proc/self/exe is still the running version.
  if (!in_process) cfg.supervisor_exe = "/proc/self/exe";

  if (!setup_logging(log_level, "mend-agent")) {
    std::cerr << "unknown --log-level '" << log_level << "'\n";
    return 2;
  }
  for (const auto& s : cfg.servers) {
    if (auto u = agent::parse_server_url(s); !u) {
      std::cerr << u.error().message << "\n";
      return 2;
    }
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
  if (!token_warning.empty()) spdlog::warn("{}", token_warning);
  if (cfg.token.empty())
    spdlog::warn("no agent token (--token-file, MEND_AGENT_TOKEN): only a server without --agent-token accepts "
                 "this agent");
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
