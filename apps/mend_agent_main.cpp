// mend-agent: wiring only. Settings (agent/agent_settings.cpp) -> AgentConfig
// -> Agent on one io_context; with https:// servers, the agent's TLS identity
// (agent/identity.hpp): enrolled once with a join token, renewed hourly.
#include <unistd.h>

#include <functional>
#include <iostream>
#include <random>
#include <variant>
#include <thread>

#include "agent/agent.hpp"
#include "agent/agent_settings.hpp"
#include "agent/identity.hpp"
#include "agent/server_url.hpp"
#include "agent/supervisor.hpp"
#include "common/asio.hpp"
#include "common/failpoint.hpp"
#include "common/log.hpp"
#include "tls/tls_context.hpp"

namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
  return buf;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The servers' certificates must chain to Mend's CA (pinned by the join
// token) or to --cacert; an enrolled agent proves its ident with its own
// certificate, whose name is the ident (and replaces --ident). Returns the
// identity, or the exit code.
std::variant<std::shared_ptr<mend::agent::AgentIdentity>, int> prepare_identity(
    mend::agent::AgentConfig& cfg, const mend::agent::AgentSettings& settings, bool any_tls) {
  using namespace mend;
  std::string extra_ca;
  if (!settings.cacert.empty()) {
    auto pem = tls::read_pem_file(settings.cacert);
    if (!pem) {
      std::cerr << "mend-agent: --cacert: " << pem.error().message << "\n";
      return 2;
    }
    extra_ca = std::move(*pem);
  }
  auto identity = std::make_shared<agent::AgentIdentity>(cfg.spool_dir + "/tls", extra_ca);
  if (any_tls && !identity->enrolled() && !settings.join_token.empty()) {
    // A server that is not up yet is waited for; a refused token is final.
    for (int attempt = 1;; ++attempt) {
      auto got = identity->enroll(cfg.servers, settings.join_token, cfg.ident);
      if (got) {
        spdlog::info("enrolled as {}: certificate {} valid until {} (ms)", got->common_name,
                     got->serial, got->not_after_ms);
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
      std::cerr << "mend-agent: the agent's certificate: " << cert.error().message << "\n";
      return 1;
    }
    if (cert->common_name != cfg.ident) {
      spdlog::warn("--ident {} ignored: this agent's certificate names it {}", cfg.ident,
                   cert->common_name);
      cfg.ident = cert->common_name;
    }
  } else if (!any_tls) {
    spdlog::warn("no https:// server: this agent's token and its scripts cross the network in clear");
  } else {
    spdlog::warn(
        "no certificate (no --join-token): connecting with the shared token, which the server "
        "must allow");
  }
  return identity;
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
  bool any_tls = false;
  for (const auto& url : cfg.servers) any_tls = any_tls || agent::parse_server_url(url)->tls;
  auto prepared = prepare_identity(cfg, *read.settings, any_tls);
  if (auto* code = std::get_if<int>(&prepared)) return *code;
  auto identity = std::get<std::shared_ptr<agent::AgentIdentity>>(prepared);

  agent::ConnectionOptions conn;
  conn.servers = cfg.servers;
  conn.hello = proto::Hello{cfg.ident, cfg.token, MEND_VERSION, proto::kProtocolVersion, cfg.labels};
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
  spdlog::info("mend-agent {} ident {} spool {}{}{}", MEND_VERSION, cfg.ident, cfg.spool_dir,
               cfg.labels.empty() ? "" : " labels ", proto::format_labels(cfg.labels));
  for (const auto& w : read.warnings) spdlog::warn("{}", w);
  if (cfg.token.empty())
    spdlog::warn(
        "no agent token (--token-file, MEND_AGENT_TOKEN_FILE): only a server without --agent-token "
        "accepts this agent");
  // Renewal: checked at start and hourly; due after two thirds of the
  // certificate's life, so a week-long outage of every server still leaves
  // time. The next connection uses the new certificate.
  std::function<void()> check_renewal = [&] {
    if (any_tls && identity->enrolled() && identity->due_for_renewal(now_ms())) {
      auto renewed = identity->renew(cfg.servers);
      if (renewed)
        spdlog::info("certificate renewed: {} valid until {} (ms)", renewed->serial,
                     renewed->not_after_ms);
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
  if (!agent.gave_up().empty()) {
    // Said on stderr too, where someone starting the agent by hand looks.
    std::cerr << "mend-agent: " << agent.gave_up() << "\n";
    return 1;
  }
  spdlog::info("stopped");
  return 0;
}
