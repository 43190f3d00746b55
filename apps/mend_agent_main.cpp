// mend-agent: wiring only. Flags -> AgentConfig -> Agent on one io_context.
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "common/failpoint.hpp"
#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

#include "agent/agent.hpp"
#include "agent/identity.hpp"
#include "agent/server_url.hpp"
#include "agent/supervisor.hpp"
#include "common/asio.hpp"
#include "common/log.hpp"
#include "tls/tls_context.hpp"

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
  app.set_version_flag("--version", std::string(MEND_VERSION));
  app.add_option("--server", cfg.servers, "server base URL, e.g. https://mend.example:10090 (repeat for fail-over)")
      ->required();
  std::string cacert;
  app.add_option("--cacert", cacert,
                 "PEM file of the CA the https:// servers' certificates must chain to (Mend's CA: mend-server "
                 "--ca-out); default: the system's CAs")
      ->envname("MEND_CACERT");
  std::string join_token;
  app.add_option("--join-token", join_token,
                 "one-time token from `mendctl agents join-token`: trades it for this host's certificate at the "
                 "first start (kept in SPOOL/tls)")
      ->envname("MEND_JOIN_TOKEN");
  app.add_option("--ident", cfg.ident, "this host's name on the server")->capture_default_str();
  app.add_option("--token", cfg.token, "agent token (or env MEND_AGENT_TOKEN)");
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
  cfg.kill_grace = std::chrono::milliseconds(kill_grace_ms);
  cfg.log_level = log_level;
  // Not the path we were started from: after an upgrade replaced the binary,
  // /proc/self/exe is still the running version.
  if (!in_process) cfg.supervisor_exe = "/proc/self/exe";

  if (!setup_logging(log_level, "mend-agent")) {
    std::cerr << "unknown --log-level '" << log_level << "'\n";
    return 2;
  }
  bool any_tls = false;
  for (const auto& s : cfg.servers) {
    auto u = agent::parse_server_url(s);
    if (!u) {
      std::cerr << u.error().message << "\n";
      return 2;
    }
    any_tls = any_tls || u->tls;
  }
  auto spool = agent::Spool::open(cfg.spool_dir);
  if (!spool) {
    std::cerr << "cannot open spool: " << spool.error().message << "\n";
    return 1;
  }

  // TLS: the servers' certificates must chain to Mend's CA (pinned by the
  // join token) or to --cacert; an enrolled agent proves its ident with its
  // own certificate, whose name is the ident.
  std::string extra_ca;
  if (!cacert.empty()) {
    auto pem = tls::read_pem_file(cacert);
    if (!pem) {
      std::cerr << "--cacert: " << pem.error().message << "\n";
      return 2;
    }
    extra_ca = std::move(*pem);
  }
  auto identity = std::make_shared<agent::AgentIdentity>(cfg.spool_dir + "/tls", extra_ca);
  if (any_tls && !identity->enrolled() && !join_token.empty()) {
    // A server that is not up yet is waited for; a refused token is final.
    for (int attempt = 1;; ++attempt) {
      auto got = identity->enroll(cfg.servers, join_token, cfg.ident);
      if (got) {
        spdlog::info("enrolled as {}: certificate {} valid until {} (ms)", got->common_name, got->serial,
                     got->not_after_ms);
        break;
      }
      if (got.error().code != ErrorCode::unavailable || attempt >= 30) {
        spdlog::critical("enrollment failed: {}", got.error().message);
        return 1;
      }
      spdlog::warn("enrollment: {} (retrying)", got.error().message);
      std::this_thread::sleep_for(std::chrono::seconds(2));
    }
  }
  if (any_tls && identity->enrolled()) {
    auto cert = identity->certificate();
    if (!cert) {
      std::cerr << "the agent's certificate: " << cert.error().message << "\n";
      return 1;
    }
    if (cert->common_name != cfg.ident) {
      spdlog::warn("--ident {} ignored: this agent's certificate names it {}", cfg.ident, cert->common_name);
      cfg.ident = cert->common_name;
    }
  } else if (!any_tls) {
    spdlog::warn("no https:// server: this agent's token and its scripts cross the network in clear");
  } else {
    spdlog::warn("no certificate (no --join-token): connecting with the shared token, which the server must allow");
  }
  agent::ConnectionOptions conn;
  conn.servers = cfg.servers;
  conn.hello = proto::Hello{cfg.ident, cfg.token, MEND_VERSION};
  conn.seed = std::random_device{}();
  conn.tls_context = [identity]() -> std::shared_ptr<ssl::context> {
    auto ctx = identity->client_context();
    if (!ctx) {
      spdlog::error("TLS: {}", ctx.error().message);
      return nullptr;
    }
    return *ctx;
  };

  asio::io_context io(1);
  asio::steady_timer renew_timer(io);  // certificate renewal checks, below
  agent::Agent agent(io.get_executor(), cfg, std::move(*spool), conn);
  if (auto st = agent.start(); !st) {
    std::cerr << "cannot start: " << st.error().message << "\n";
    return 1;
  }
  asio::signal_set stop_signals(io, SIGTERM, SIGINT);
  stop_signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    renew_timer.cancel();
    agent.stop();
  });
  spdlog::info("mend-agent {} ident {} spool {}", MEND_VERSION, cfg.ident, cfg.spool_dir);
  // Renewal: checked at start and hourly; due after two thirds of the
  // certificate's life, so a week-long outage of every server still leaves
  // time. The next connection uses the new certificate.
  std::function<void()> check_renewal = [&] {
    if (any_tls && identity->enrolled() &&
        identity->due_for_renewal(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count())) {
      auto renewed = identity->renew(cfg.servers);
      if (renewed)
        spdlog::info("certificate renewed: {} valid until {} (ms)", renewed->serial, renewed->not_after_ms);
      else
        spdlog::warn("certificate renewal failed (retried hourly): {}", renewed.error().message);
    }
    renew_timer.expires_after(std::chrono::hours(1));
    renew_timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) check_renewal();
    });
  };
  check_renewal();
  asio::co_spawn(io, agent.run(), [&](std::exception_ptr e) {
    if (e) spdlog::critical("agent stopped by an exception");
    boost::system::error_code ec;
    stop_signals.cancel(ec);
    // Running scripts keep handlers pending; they are left to run on their own.
    io.stop();
  });
  io.run();
  spdlog::info("stopped");
  return 0;
}
