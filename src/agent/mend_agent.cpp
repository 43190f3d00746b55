#include "agent/mend_agent.hpp"

#include <unistd.h>

#include <cassert>
#include <chrono>
#include <random>
#include <thread>

#include "agent/agent.hpp"
#include "agent/identity.hpp"
#include "agent/server_url.hpp"
#include "common/log.hpp"
#include "tls/tls_context.hpp"

namespace mend::agent {

namespace {

// How long stop() waits for the server to acknowledge results already sent.
// Longer than a group commit, short enough for a service manager's stop.
constexpr std::chrono::seconds kAckWait{2};

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

Result<std::string> read_cacert(const AgentSettings& s) {
  if (s.cacert.empty()) return std::string();
  auto pem = tls::read_pem_file(s.cacert);
  if (!pem) return make_error(ErrorCode::invalid_input, "--cacert: " + pem.error().message);
  return std::move(*pem);
}

}  // namespace

Result<void> check_agent_settings(const AgentSettings& settings) {
  MEND_TRY(to_agent_config(settings, "localhost", ""));
  MEND_TRY(read_cacert(settings));
  return ok();
}

// Declaration order is teardown order reversed: the agent and the timers go
// before the io_context they were made on (as they did in main before).
struct MendAgent::Parts {
  AgentConfig cfg;
  std::shared_ptr<AgentIdentity> identity;
  bool any_tls = false;
  asio::io_context ioc{1};
  asio::steady_timer renew_timer{ioc};
  asio::steady_timer stop_timer{ioc};
  std::unique_ptr<Agent> agent;
  bool stopping = false;

  void check_renewal();
  void begin_stop();
};

// Renewal: checked at start and hourly; due after two thirds of the
// certificate's life, so a week-long outage of every server still leaves
// time. The next connection uses the new certificate.
void MendAgent::Parts::check_renewal() {
  if (stopping) return;
  if (any_tls && identity->enrolled() && identity->due_for_renewal(now_ms())) {
    auto renewed = identity->renew(cfg.servers);
    if (renewed)
      spdlog::info("certificate renewed: {} valid until {} (ms)", renewed->serial,
                   renewed->not_after_ms);
    else
      spdlog::warn("certificate renewal failed (retried hourly): {}", renewed.error().message);
  }
  renew_timer.expires_after(std::chrono::hours(1));
  renew_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) check_renewal();
  });
}

void MendAgent::Parts::begin_stop() {
  if (stopping) return;
  stopping = true;
  renew_timer.cancel();
  agent->stop_taking_assignments();
  // An acknowledged result is marked done in the spool; one that is not is
  // sent again by the next agent, and the server answers it twice.
  const auto deadline = std::chrono::steady_clock::now() + kAckWait;
  asio::co_spawn(
      ioc,
      [this, deadline]() -> awaitable<void> {
        boost::system::error_code ec;
        while (agent->pending_count() > 0 && agent->connected() &&
               std::chrono::steady_clock::now() < deadline) {
          stop_timer.expires_after(std::chrono::milliseconds(20));
          co_await stop_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        agent->stop();
      },
      asio::detached);
}

MendAgent::MendAgent(AgentSettings settings, std::string supervisor_exe)
    : settings_(std::move(settings)),
      supervisor_exe_(std::move(supervisor_exe)),
      parts_(std::make_unique<Parts>()) {}

MendAgent::~MendAgent() = default;

// The servers' certificates must chain to Mend's CA (pinned by the join
// token) or to --cacert; an enrolled agent proves its ident with its own
// certificate, whose name is the ident (and replaces --ident).
Result<void> MendAgent::prepare_identity(Parts& p, const std::string& extra_ca) {
  p.identity = std::make_shared<AgentIdentity>(p.cfg.spool_dir + "/tls", extra_ca);
  if (p.any_tls && !p.identity->enrolled() && !settings_.join_token.empty()) {
    // A server that is not up yet is waited for; a refused token is final.
    for (int attempt = 1;; ++attempt) {
      auto got = p.identity->enroll(p.cfg.servers, settings_.join_token, p.cfg.ident);
      if (got) {
        spdlog::info("enrolled as {}: certificate {} valid until {} (ms)", got->common_name,
                     got->serial, got->not_after_ms);
        break;
      }
      if (got.error().code != ErrorCode::unavailable || attempt >= 30) {
        spdlog::critical("enrollment failed: {}", got.error().message);
        return make_error(got.error().code, "enrollment failed: " + got.error().message);
      }
      spdlog::warn("enrollment: {} (retrying)", got.error().message);
      std::this_thread::sleep_for(std::chrono::seconds(2));
    }
  }
  if (p.any_tls && p.identity->enrolled()) {
    auto cert = p.identity->certificate();
    if (!cert)
      return make_error(cert.error().code, "the agent's certificate: " + cert.error().message);
    if (cert->common_name != p.cfg.ident) {
      spdlog::warn("--ident {} ignored: this agent's certificate names it {}", p.cfg.ident,
                   cert->common_name);
      p.cfg.ident = cert->common_name;
    }
  } else if (!p.any_tls) {
    spdlog::warn(
        "no https:// server: this agent's token and its scripts cross the network in clear");
  } else {
    spdlog::warn(
        "no certificate (no --join-token): connecting with the shared token, which the server "
        "must allow");
  }
  return ok();
}

Result<void> MendAgent::start() {
  Parts& p = *parts_;
  assert(!p.agent && "start() is called once");
  // Checked before the spool is opened, so a typo creates no directory.
  MEND_ASSIGN_OR_RETURN(p.cfg, to_agent_config(settings_, host_name(), supervisor_exe_));
  MEND_ASSIGN_OR_RETURN(std::string extra_ca, read_cacert(settings_));
  auto spool = Spool::open(p.cfg.spool_dir);
  if (!spool) return make_error(spool.error().code, "cannot open spool: " + spool.error().message);
  for (const auto& url : p.cfg.servers) p.any_tls = p.any_tls || parse_server_url(url)->tls;
  MEND_TRY(prepare_identity(p, extra_ca));

  ConnectionOptions conn;
  conn.servers = p.cfg.servers;
  conn.hello =
      proto::Hello{p.cfg.ident, p.cfg.token, MEND_VERSION, proto::kProtocolVersion, p.cfg.labels};
  conn.seed = std::random_device{}();
  conn.tls_context = [identity = p.identity]() -> std::shared_ptr<ssl::context> {
    auto ctx = identity->client_context();
    if (!ctx) {
      spdlog::error("TLS: {}", ctx.error().message);
      return nullptr;
    }
    return *ctx;
  };
  p.agent = std::make_unique<Agent>(p.ioc.get_executor(), p.cfg, std::move(*spool), conn);
  if (auto st = p.agent->start(); !st)
    return make_error(st.error().code, "cannot start: " + st.error().message);
  spdlog::info("mend-agent {} ident {} spool {}{}{}", MEND_VERSION, p.cfg.ident, p.cfg.spool_dir,
               p.cfg.labels.empty() ? "" : " labels ", proto::format_labels(p.cfg.labels));
  return ok();
}

void MendAgent::run() {
  Parts& p = *parts_;
  assert(p.agent && "run() after a successful start()");
  if (p.cfg.token.empty())
    spdlog::warn(
        "no agent token (--token-file, MEND_AGENT_TOKEN_FILE): only a server without --agent-token "
        "accepts this agent");
  p.check_renewal();
  asio::co_spawn(p.ioc, p.agent->run(), [&p](std::exception_ptr e) {
    if (e) spdlog::critical("agent stopped by an exception");
    // Running scripts keep handlers pending; they are left to run on their own.
    p.ioc.stop();
  });
  p.ioc.run();
  if (p.agent->gave_up().empty()) spdlog::info("stopped");
}

void MendAgent::stop() {
  asio::post(parts_->ioc, [p = parts_.get()] {
    if (p->agent) p->begin_stop();
  });
}

const std::string& MendAgent::gave_up() const {
  static const std::string none;
  return parts_->agent ? parts_->agent->gave_up() : none;
}

const std::string& MendAgent::ident() const { return parts_->cfg.ident; }

asio::io_context& MendAgent::io_context() { return parts_->ioc; }

}  // namespace mend::agent
