#include "server/mend_server.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <random>

#include "api/api_auth.hpp"
#include "api/api_context.hpp"
#include "api/api_service.hpp"
#include "api/basic_auth.hpp"
#include "api/exposure_check.hpp"
#include "api/heal_routes.hpp"
#include "api/http_server.hpp"
#include "api/ibex_routes.hpp"
#include "api/listen_address.hpp"
#include "api/native_routes.hpp"
#include "common/atomic_file.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/strings.hpp"
#include "dispatch/agent_hub.hpp"
#include "dispatch/connection_limits.hpp"
#include "dispatch/fanout_agent_push.hpp"
#include "dispatch/host_protocols.hpp"
#include "dispatch/ibex_assignment_book.hpp"
#include "dispatch/ibex_cidr.hpp"
#include "dispatch/ibex_rpc_server.hpp"
#include "dispatch/peer_dispatch_relay.hpp"
#include "engine/engine.hpp"
#include "engine/server_id.hpp"
#include "heal/heal_service.hpp"
#include "heal/rules_yaml.hpp"
#include "store/store.hpp"

namespace mend {

// The settings in the form the parts take, every value checked.
struct MendServer::Plan {
  ListenAddress http;
  std::optional<ListenAddress> ibex_rpc;
  std::vector<IbexCidr> ibex_allow;
  std::vector<BasicAuthUser> users;
  std::vector<std::string> api_tokens;
  AccessControl access;
};

namespace {

using Plan = MendServer::Plan;

Result<Plan> make_plan(const ServerSettings& given) {
  ServerSettings s = given;
  if (auto bad = check_settings(bind_settings(server_settings_table(), s)))
    return make_error(ErrorCode::invalid_input, *bad);
  Plan plan;
  for (const auto& entry : s.basic_auth) {
    MEND_ASSIGN_OR_RETURN(BasicAuthUser u, parse_basic_auth_user(entry));
    plan.users.push_back(std::move(u));
  }
  for (const auto& entry : s.api_tokens) {
    MEND_ASSIGN_OR_RETURN(std::string t, parse_api_token(entry));
    plan.api_tokens.push_back(std::move(t));
  }
  for (const auto& c : s.ibex_rpc_allow) {
    MEND_ASSIGN_OR_RETURN(IbexCidr n, IbexCidr::parse(c));
    plan.ibex_allow.push_back(n);
  }
  if (!plan.ibex_allow.empty() && s.ibex_rpc.empty())
    return make_error(ErrorCode::invalid_input, "--ibex-rpc-allow needs --ibex-rpc");
  if (!s.ibex_rpc_hosts.empty() && s.ibex_rpc.empty())
    return make_error(ErrorCode::invalid_input, "--ibex-rpc-hosts needs --ibex-rpc");
  // An Ibex agent is not authenticated: it says which host it is. Which names
  // it may claim is the operator's explicit choice, never a default.
  if (!s.ibex_rpc.empty() && s.ibex_rpc_hosts.empty())
    return make_error(ErrorCode::invalid_input,
                      "--ibex-rpc needs --ibex-rpc-hosts: the host names or glob patterns Ibex "
                      "agents may act for (e.g. --ibex-rpc-hosts 'web-*'; '*' allows any host no "
                      "native agent has served)");
  for (const auto& pattern : s.ibex_rpc_hosts)
    if (auto c = HostProtocols::check_ibex_pattern(pattern); !c.ok())
      return make_error(ErrorCode::invalid_input, "--ibex-rpc-hosts: " + c.error().message);
  if (!s.ibex_rpc.empty()) {
    auto w = parse_listen_address(s.ibex_rpc);
    if (!w.ok()) return make_error(ErrorCode::invalid_input, "--ibex-rpc: " + w.error().message);
    plan.ibex_rpc = *w;
  }
  MEND_ASSIGN_OR_RETURN(plan.http, parse_listen_address(s.http));
  // Safe defaults: no one else reaches an unauthenticated server unless the operator says so.
  plan.access = AccessControl{.api_users = !plan.users.empty() || !plan.api_tokens.empty(),
                              .agent_token = !s.agent_token.empty()};
  MEND_TRY(check_exposure(plan.http, plan.access, s.insecure));
  return plan;
}

std::string pick_server_id(const ListenAddress& http) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::random_device random;
  const uint64_t nonce = (uint64_t{random()} << 32) | random();
  std::string id = default_server_id(host, http.port, nonce);
  if (http.port == 0) {
    spdlog::warn(
        "server id {} is new at every start (--http port 0): after a restart this server's tasks "
        "are taken over once their leases expire; set --server-id to keep one name",
        id);
  }
  return id;
}

}  // namespace

Result<void> check_server_settings(const ServerSettings& settings) {
  // Every problem at once: the settings', then the rules file's.
  std::vector<std::string> problems;
  if (auto plan = make_plan(settings); !plan.ok()) problems.push_back(plan.error().message);
  // Without the database the templates defined through the API are unknown:
  // the file is checked on its own.
  if (!settings.rules.empty()) {
    if (auto rules = heal::read_rules_file(settings.rules); !rules.ok())
      problems.push_back(rules.error().message);
  }
  if (!problems.empty()) return make_error(ErrorCode::invalid_input, join(problems, "\n"));
  return ok();
}

// Declaration order is teardown order reversed: the io_context goes before
// the parts its handlers use, the listeners and timers before the
// io_context, and the store last.
struct MendServer::Parts {
  SystemClock clock;
  std::unique_ptr<Store> store;
  AgentHub hub{clock};
  IbexAssignmentBook ibex_book;
  CompositeAgentPush push{{&hub, &ibex_book}};
  std::unique_ptr<PeerDispatchRelay> relay;
  EngineMetrics metrics;
  EdgeMetrics edge;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<heal::HealService> heal;
  std::unique_ptr<ApiContext> ctx;
  std::unique_ptr<ApiService> api;
  asio::io_context ioc{1};
  // Which kind of agent serves a host: a native attach makes it native for good.
  std::unique_ptr<HostProtocols> protocols;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<IbexRpcServer> ibex;
  asio::steady_timer tick_timer{ioc};
  asio::steady_timer stop_timer{ioc};
  std::string server_id;
  std::string http_address;
  bool stopping = false;
  bool relay_closed = false;

  bool connected_here(const std::string& ident) const {
    return hub.connected(ident) || ibex_book.tracks(ident);
  }
  void tick();
  void begin_stop();
};

void MendServer::Parts::tick() {
  if (auto r = engine->tick(); !r.ok()) spdlog::warn("engine tick failed: {}", r.error().message);
}

void MendServer::Parts::begin_stop() {
  if (stopping) return;
  stopping = true;
  tick_timer.cancel();
  relay->stop();
  // Stops accepting, closes HTTP connections and commits the reports its
  // agent sessions already handed over.
  http->stop();
  if (ibex) ibex->stop();
  hub.close_all();
  // Agents get a moment to answer the close handshake; then stop regardless.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  asio::co_spawn(
      ioc,
      [this, deadline]() -> awaitable<void> {
        beast::error_code ec;
        while (hub.connected_count() > 0 && std::chrono::steady_clock::now() < deadline) {
          stop_timer.expires_after(std::chrono::milliseconds(20));
          co_await stop_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        ioc.stop();
      },
      asio::detached);
}

MendServer::MendServer(ServerSettings settings) : settings_(std::move(settings)) {}

MendServer::~MendServer() {
  if (parts_ && parts_->relay && !parts_->relay_closed) parts_->relay->close();
}

// The store and everything that decides: relay, engine, alert self-healing.
Result<void> MendServer::open_core(Parts& s) {
  auto store = open_store(settings_.db);
  if (!store.ok())
    return make_error(store.error().code,
                      "cannot open database " + settings_.db + ": " + store.error().message);
  s.store = std::move(*store);
  // Other servers on the same PostgreSQL announce what they dispatch; the
  // relay passes it to the agents connected here (a plain push on SQLite).
  LocalAgents local_agents{[&s](const std::string& h) { return s.connected_here(h); },
                           [&s] {
                             std::vector<std::string> out = s.ibex_book.idents();
                             for (const auto& a : s.hub.list()) out.push_back(a.ident);
                             return out;
                           }};
  PeerRelayOptions relay_options;
  relay_options.catch_up_interval = std::chrono::milliseconds(settings_.peer_check_ms);
  s.relay = std::make_unique<PeerDispatchRelay>(*s.store, s.store->open_dispatch_feed(), s.push,
                                                local_agents, relay_options);
  EngineOptions engine_options;
  engine_options.server_id = s.server_id;
  engine_options.lease_ms = settings_.lease_ms;
  engine_options.kill_deadline_ms = settings_.kill_deadline_ms;
  s.engine = std::make_unique<Engine>(*s.store, s.clock, *s.relay, s.metrics, engine_options);
  s.relay->attach(*s.engine);
  // A task started on many hosts starts them in steps, with the rest of the
  // server's work between the steps.
  s.engine->set_continuation([&s](int64_t task_id) {
    asio::post(s.ioc, [&s, task_id] {
      if (auto r = s.engine->continue_task(task_id); !r.ok())
        spdlog::warn("task={}: starting more hosts failed (the next tick retries): {}", task_id,
                     r.error().message);
    });
  });
  // A bad rules file stops the start: running without the rules someone wrote is worse.
  // An alert for a host no agent ever served is skipped (host_unknown), not left waiting.
  s.heal = std::make_unique<heal::HealService>(
      *s.store, *s.engine, s.clock,
      [&s](const std::string& ident) { return s.connected_here(ident); });
  return s.heal->start(settings_.rules);
}

// The HTTP API with the agent endpoint, and the Ibex agent port; what they
// bound goes to the ready file.
Result<void> MendServer::open_listeners(Parts& s, Plan& plan) {
  s.ctx = std::make_unique<ApiContext>(
      ApiContext{*s.engine, *s.store, s.hub, s.clock, s.metrics, s.heal.get(), s.relay.get(),
                 &s.edge, {}});
  Router router;
  add_ibex_routes(router, *s.ctx);
  add_native_routes(router, *s.ctx);
  add_heal_routes(router, *s.heal, *s.store, s.clock);
  s.api = std::make_unique<ApiService>(
      std::move(router), ApiAuth(BasicAuth(std::move(plan.users)), std::move(plan.api_tokens)));
  HttpServerOptions http_options;
  http_options.address = settings_.http;
  http_options.max_body_bytes = static_cast<size_t>(settings_.max_body_bytes);
  http_options.agent_token = settings_.agent_token;
  http_options.limits.max_total = static_cast<size_t>(settings_.max_connections);
  http_options.limits.max_unauthenticated_per_source =
      static_cast<size_t>(settings_.max_unauthenticated_per_source);
  http_options.edge = &s.edge;
  s.protocols = std::make_unique<HostProtocols>(s.ioc.get_executor(), *s.store, s.clock,
                                                settings_.ibex_rpc_hosts);
  s.hub.on_attach([&s](const std::string& ident) { s.protocols->native_attached(ident); });
  MEND_ASSIGN_OR_RETURN(s.http, HttpServer::start(s.ioc, *s.api, s.hub, *s.engine, http_options));
  s.http_address = s.http->bound_address();
  spdlog::info("listening on {}", s.http_address);
  std::string ready = s.http_address;
  if (plan.ibex_rpc) {
    IbexRpcServerOptions io;
    io.host = plan.ibex_rpc->host;
    io.port = plan.ibex_rpc->port;
    io.allow = plan.ibex_allow;
    io.max_connections = static_cast<size_t>(settings_.max_connections);
    io.max_unbound_per_source = static_cast<size_t>(settings_.max_unauthenticated_per_source);
    io.edge = &s.edge.ibex_rpc;
    auto started =
        IbexRpcServer::start(s.ioc, *s.engine, *s.store, s.ibex_book, *s.protocols, s.clock, io);
    if (!started.ok())
      return make_error(started.error().code, "--ibex-rpc: " + started.error().message);
    s.ibex = std::move(started).value();
    s.ctx->other_agents = [&s] { return s.ibex->list(); };
    spdlog::info("ibex agents on {}", s.ibex->bound_address());
    // Tests started with port 0 read the Ibex port from the second line.
    ready += "\n" + s.ibex->bound_address();
  }
  if (!settings_.ready_file.empty() && !write_file_atomically(settings_.ready_file, ready))
    return make_error(ErrorCode::invalid_input, "cannot write ready file " + settings_.ready_file);
  return ok();
}

Result<void> MendServer::start() {
  // Checked before the database is opened, so a typo creates no file.
  MEND_ASSIGN_OR_RETURN(Plan plan, make_plan(settings_));
  if (auto w = exposure_warning(plan.http, plan.access); !w.empty()) spdlog::warn("{}", w);
  auto p = std::make_unique<Parts>();
  Parts& s = *p;
  s.server_id = settings_.server_id.empty() ? pick_server_id(plan.http) : settings_.server_id;
  MEND_TRY(open_core(s));
  MEND_TRY(open_listeners(s, plan));
  spdlog::info("server id {}", s.server_id);
  s.relay->start(s.ioc.get_executor());
  // Finish whatever the previous run left, then keep time moving.
  s.tick();
  asio::co_spawn(
      s.ioc,
      [&s]() -> awaitable<void> {
        beast::error_code ec;
        while (!s.stopping) {
          s.tick_timer.expires_after(std::chrono::seconds(1));
          co_await s.tick_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          if (s.stopping) break;
          s.tick();
        }
      },
      asio::detached);
  parts_ = std::move(p);
  return ok();
}

void MendServer::run() {
  parts_->ioc.run();
  parts_->relay->close();
  parts_->relay_closed = true;
  spdlog::info("stopped");
}

void MendServer::stop() {
  if (!parts_) return;  // never started
  asio::post(parts_->ioc, [p = parts_.get()] { p->begin_stop(); });
}

void MendServer::reload_rules() {
  if (!parts_) return;
  asio::post(parts_->ioc, [p = parts_.get()] {
    if (auto r = p->heal->reload(); !r.ok())
      spdlog::error("rules reload refused, old rules stay:\n{}", r.error().message);
  });
}

std::string MendServer::http_address() const { return parts_->http_address; }

std::string MendServer::ibex_address() const {
  return parts_->ibex ? parts_->ibex->bound_address() : "";
}

const std::string& MendServer::server_id() const { return parts_->server_id; }

asio::io_context& MendServer::io_context() { return parts_->ioc; }

}  // namespace mend
