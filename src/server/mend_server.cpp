#include "server/mend_server.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <random>
#include <thread>

#include "api/all_routes.hpp"
#include "api/api_context.hpp"
#include "api/api_service.hpp"
#include "api/exposure_check.hpp"
#include "api/http_server.hpp"
#include "api/listen_address.hpp"
#include "auth/accounts.hpp"
#include "auth/audited_store.hpp"
#include "auth/basic_auth.hpp"
#include "auth/password.hpp"
#include "auth/permission.hpp"
#include "auth/principal_resolver.hpp"
#include "common/atomic_file.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/strings.hpp"
#include "dispatch/agent_gateway.hpp"
#include "dispatch/agent_hub.hpp"
#include "dispatch/connection_limits.hpp"
#include "dispatch/fanout_agent_push.hpp"
#include "dispatch/host_protocols.hpp"
#include "dispatch/ibex_assignment_book.hpp"
#include "dispatch/ibex_cidr.hpp"
#include "dispatch/ibex_rpc_server.hpp"
#include "dispatch/live_output.hpp"
#include "dispatch/peer_dispatch_relay.hpp"
#include "engine/engine.hpp"
#include "engine/server_id.hpp"
#include "dispatch/agent_presence.hpp"
#include "heal/heal_service.hpp"
#include "heal/rules_yaml.hpp"
#include "store/read_pool.hpp"
#include "store/store.hpp"
#include "store/trust_store.hpp"
#include "tls/enroll/agent_trust.hpp"
#include "tls/enroll/server_ca.hpp"
#include "tls/server_tls.hpp"

namespace mend {

// The settings in the form the parts take, every value checked.
struct MendServer::Plan {
  ListenAddress http;
  std::optional<ListenAddress> ibex_rpc;
  std::vector<IbexCidr> ibex_allow;
  std::vector<auth::BasicAuthUser> users;
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
    MEND_ASSIGN_OR_RETURN(auth::BasicAuthUser u, auth::parse_basic_auth_user(entry));
    plan.users.push_back(std::move(u));
  }
  for (const auto& entry : s.api_tokens) {
    MEND_ASSIGN_OR_RETURN(std::string t, auth::parse_api_token(entry));
    plan.api_tokens.push_back(std::move(t));
  }
  if (s.auth != "auto" && s.auth != "on")
    return make_error(ErrorCode::invalid_input, "auth must be auto or on, not '" + s.auth + "'");
  if (!s.admin_password.empty())
    if (auto r = auth::check_password_policy(s.admin_password); !r.ok())
      return make_error(ErrorCode::invalid_input, "admin password: " + r.error().message);
  for (const auto* role : {&s.basic_auth_role, &s.api_token_role})
    MEND_TRY(auth::require_role(*role));
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
  if (s.tls_cert.empty() != s.tls_key.empty())
    return make_error(ErrorCode::invalid_input, "--tls-cert and --tls-key go together");
  if (s.no_tls && !s.tls_cert.empty())
    return make_error(ErrorCode::invalid_input, "--no-tls and --tls-cert contradict each other");
  if (!s.plain_http.empty())
    if (auto w = parse_listen_address(s.plain_http); !w.ok())
      return make_error(ErrorCode::invalid_input, "--plain-http: " + w.error().message);
  // Safe defaults: no one else reaches an unauthenticated server unless the operator says so.
  // (Stored users count only with --auth on: with auto, whether any exist is
  // known once the database is open, after this check.)
  plan.access = AccessControl{.api_users = !plan.users.empty() || !plan.api_tokens.empty() || s.auth == "on",
                              // Over TLS an agent without the token needs a certificate from Mend's CA.
                              .agent_token = !s.agent_token.empty() || !s.no_tls};
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
  // Every API request that changes something writes its audit record in the
  // transaction of the change: the engine, heal rules and accounts all write
  // through `audited` (auth/audited_store.hpp).
  auth::AuditTrail trail;
  std::unique_ptr<auth::AuditedStore> audited;
  std::unique_ptr<auth::Accounts> accounts;
  std::unique_ptr<auth::HostGroups> groups;
  // Mend's CA signs agents' certificates (and the server's own when the
  // operator gives none); servers on one database share it.
  std::unique_ptr<TrustStore> trust_store;
  std::unique_ptr<tls::AgentTrust> trust;
  std::shared_ptr<tls::ServerTls> server_tls;  // null: --no-tls
  AgentHub hub{clock};
  // The hub's agents in the shared presence table: the whole fleet for lists and label selectors.
  std::unique_ptr<AgentPresence> presence;
  IbexAssignmentBook ibex_book;
  CompositeAgentPush push{{&hub, &ibex_book}};
  std::unique_ptr<PeerDispatchRelay> relay;
  EngineMetrics metrics;
  EdgeMetrics edge;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<heal::HealService> heal;
  std::unique_ptr<ApiContext> ctx;
  std::unique_ptr<ApiService> api;
  // The HTTP listeners' sockets (with --network-threads 1): TLS, requests
  // and agents' frames are read and written on a thread of run()'s while
  // `ioc`'s one thread runs the engine, the hub and the store. Declared
  // before ioc so that it goes after it: handlers left in ioc's queue hold
  // sessions whose sockets are network's.
  asio::io_context network{1};
  asio::io_context ioc{1};
  // Read-only answers run here, each thread with its own read connection;
  // null with --read-threads 0. Declared after ioc: its threads are joined
  // (the answers already asked for are finished) before ioc goes.
  std::unique_ptr<ReadPool> reads;
  // Which kind of agent serves a host: a native attach makes it native for good.
  std::unique_ptr<HostProtocols> protocols;
  // Agents' live output (the console streams it), shared by both listeners.
  std::unique_ptr<LiveOutput> live;
  // Where every agent comes in: native agents' WebSocket from both HTTP
  // listeners, and every agent's reports (group commit), Ibex ones included.
  std::unique_ptr<AgentGateway> agents;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<HttpServer> plain_http;  // --plain-http
  std::unique_ptr<IbexRpcServer> ibex;
  asio::steady_timer tick_timer{ioc};
  asio::steady_timer stop_timer{ioc};
  asio::steady_timer revocation_timer{ioc};
  std::string server_id;
  std::string http_address;
  bool stopping = false;
  bool relay_closed = false;
  int ticks_since_prune = 3600;  // prune the audit log once soon after start, then hourly
  int64_t audit_retention_days = 0;

  bool connected_here(const std::string& ident) const {
    return hub.connected(ident) || ibex_book.tracks(ident);
  }
  void tick();
  // Calls `step` every `period` until begin_stop(), which cancels `timer`.
  void every(asio::steady_timer& timer, std::chrono::milliseconds period, std::function<void()> step);
  void begin_stop();
};

void MendServer::Parts::tick() {
  if (auto r = engine->tick(); !r.ok()) spdlog::warn("engine tick failed: {}", r.error().message);
  presence->tick();
  if (audit_retention_days > 0 && ++ticks_since_prune >= 3600) {
    ticks_since_prune = 0;
    const int64_t before = clock.now_ms() - audit_retention_days * 24 * 3600'000;
    auto gone = store->transact([&](StoreTx& tx) -> Result<void> {
      MEND_ASSIGN_OR_RETURN(int64_t n, tx.prune_audit_before(before));
      if (n > 0) spdlog::info("audit retention: removed {} record(s)", n);
      return ok();
    });
    if (!gone.ok()) spdlog::warn("audit retention failed: {}", gone.error().message);
  }
}

void MendServer::Parts::every(asio::steady_timer& timer, std::chrono::milliseconds period,
                              std::function<void()> step) {
  asio::co_spawn(
      ioc,
      [this, &timer, period, step = std::move(step)]() -> awaitable<void> {
        beast::error_code ec;
        while (!stopping) {
          timer.expires_after(period);
          co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          if (stopping) break;
          step();
        }
      },
      asio::detached);
}

void MendServer::Parts::begin_stop() {
  if (stopping) return;
  stopping = true;
  tick_timer.cancel();
  revocation_timer.cancel();
  relay->stop();
  // Pending live output is written before the results behind it are committed.
  live->stop();
  // Stop accepting and close connections, then commit the reports agents
  // already handed over.
  http->stop();
  if (plain_http) plain_http->stop();
  if (ibex) ibex->stop();
  agents->drain();
  hub.close_all();
  // Agents get a moment to answer the close handshake, and streaming answers
  // (the console watching output) to be let go of here, where they live;
  // then stop regardless.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  asio::co_spawn(
      ioc,
      [this, deadline]() -> awaitable<void> {
        beast::error_code ec;
        auto busy = [this] {
          return hub.connected_count() > 0 || http->open_streams() > 0 ||
                 (plain_http && plain_http->open_streams() > 0);
        };
        while (busy() && std::chrono::steady_clock::now() < deadline) {
          stop_timer.expires_after(std::chrono::milliseconds(20));
          co_await stop_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        presence->stop();
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
  s.audited = std::make_unique<auth::AuditedStore>(*s.store, s.trail);
  s.audit_retention_days = settings_.audit_retention_days;
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
  s.relay = std::make_unique<PeerDispatchRelay>(*s.audited, s.store->open_dispatch_feed(), s.push,
                                                local_agents, relay_options);
  EngineOptions engine_options;
  engine_options.server_id = s.server_id;
  engine_options.lease_ms = settings_.lease_ms;
  engine_options.kill_deadline_ms = settings_.kill_deadline_ms;
  s.engine = std::make_unique<Engine>(*s.audited, s.clock, *s.relay, s.metrics, engine_options);
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
      *s.audited, *s.engine, s.clock,
      [&s](const std::string& ident) { return s.connected_here(ident); });
  // Heal rules act with their owners' access to host groups.
  s.groups = std::make_unique<auth::HostGroups>(*s.audited, s.clock, settings_.configured_groups);
  s.heal->set_host_groups(s.groups.get());
  return s.heal->start(settings_.rules);
}

// Mend's CA (made by the first server on the database), the agents' trust
// (revocations), and the listener's TLS: the operator's files or a
// certificate from Mend's CA.
Result<void> MendServer::open_trust(Parts& s, const Plan& plan) {
  auto trust_store = open_trust_store(settings_.db);
  if (!trust_store.ok())
    return make_error(trust_store.error().code,
                      "cannot open database " + settings_.db + ": " + trust_store.error().message);
  s.trust_store = std::move(*trust_store);
  auto ca = tls::load_or_create_ca(*s.trust_store, s.clock.now_ms());
  if (!ca.ok()) return make_error(ca.error().code, "Mend's CA: " + ca.error().message);
  spdlog::info("Mend's CA: SHA-256 fingerprint {}", ca->fingerprint());
  if (!settings_.ca_out.empty() && !write_file_atomically(settings_.ca_out, ca->cert_pem()))
    return make_error(ErrorCode::invalid_input, "cannot write --ca-out " + settings_.ca_out);
  std::string ca_pem = ca->cert_pem();
  s.trust = std::make_unique<tls::AgentTrust>(*s.trust_store, std::move(*ca), s.clock);
  if (auto r = s.trust->poll_revocations(); !r.ok())
    return make_error(r.error().code, "cannot read revoked certificates: " + r.error().message);
  if (settings_.no_tls) {
    spdlog::warn("--no-tls: {} speaks plain HTTP; passwords, tokens and scripts cross the network in clear",
                 settings_.http);
    return ok();
  }
  if (!settings_.tls_cert.empty()) {
    MEND_ASSIGN_OR_RETURN(s.server_tls, tls::ServerTls::from_files(settings_.tls_cert, settings_.tls_key, ca_pem));
  } else {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    std::vector<std::string> names = settings_.tls_names;
    for (std::string n : {std::string(host), std::string("localhost"), std::string("127.0.0.1"),
                          std::string("::1"), plan.http.host})
      if (!n.empty() && n != "0.0.0.0" && n != "::") names.push_back(n);
    auto material = tls::make_server_material(s.trust->ca(), names, s.clock.now_ms());
    if (!material.ok()) return make_error(material.error().code, "server certificate: " + material.error().message);
    auto t = tls::ServerTls::from_material(*material);
    if (!t.ok()) return make_error(t.error().code, "server certificate: " + t.error().message);
    s.server_tls = *t;
  }
  spdlog::info("TLS on {} with {}", settings_.http, s.server_tls->description());
  return ok();
}

// Users, sessions and tokens; with auth on, the first start creates the user admin.
Result<void> MendServer::open_accounts(Parts& s) {
  s.accounts = std::make_unique<auth::Accounts>(*s.audited, s.clock);
  if (settings_.auth != "on") return ok();
  auto first = s.accounts->create_first_admin("admin", settings_.admin_password);
  if (!first.ok())
    return make_error(first.error().code, "cannot create the first user: " + first.error().message);
  if (*first && settings_.admin_password.empty()) {
    // Printed once, never logged again, never stored in clear.
    std::cerr << "\n  mend-server: first start: created user \"admin\" with the one-time password\n\n      "
              << **first
              << "\n\n  Sign in with it (mendctl --user admin:PASSWORD, or the console) and change it:\n"
                 "      mendctl --user admin:PASSWORD users passwd admin\n\n";
  } else if (*first) {
    spdlog::info("first start: created user admin with the given password");
  }
  return ok();
}

// The HTTP API with the agent endpoint, and the Ibex agent port; what they
// bound goes to the ready file.
Result<void> MendServer::open_listeners(Parts& s, Plan& plan) {
  s.presence = std::make_unique<AgentPresence>(*s.store, s.hub, s.clock, s.server_id);
  s.live = std::make_unique<LiveOutput>(s.ioc.get_executor(), *s.engine);
  s.live->start();
  s.ctx = std::make_unique<ApiContext>(
      ApiContext{*s.engine, *s.audited, s.hub, s.clock, s.metrics, s.heal.get(), s.relay.get(),
                 &s.edge, s.accounts.get(), &s.trail, s.trust.get(), s.live.get(), {}, s.groups.get(),
                 s.presence.get()});
  if (settings_.read_threads > 0 && store_url_is_shared(settings_.db)) {
    const std::string url = settings_.db;
    s.reads = std::make_unique<ReadPool>([url] { return open_store(url); },
                                         static_cast<size_t>(settings_.read_threads));
    s.ctx->reads_elsewhere = true;
  }
  Router router;
  add_all_routes(router, *s.ctx);
  auth::ResolverOptions auth_options;
  auth_options.open = settings_.auth == "auto" && plan.users.empty() && plan.api_tokens.empty();
  auth_options.basic_users = std::move(plan.users);
  auth_options.basic_role = settings_.basic_auth_role;
  auth_options.api_tokens = std::move(plan.api_tokens);
  auth_options.api_token_role = settings_.api_token_role;
  MEND_ASSIGN_OR_RETURN(auth::PrincipalResolver resolver,
                        auth::PrincipalResolver::make(std::move(auth_options), s.accounts.get()));
  if (auto users_exist = s.accounts->has_users();
      resolver.open() && users_exist.ok() && !*users_exist)
    spdlog::warn(
        "the API is open: anyone who can connect may run scripts as root on every agent "
        "(configure users or --basic-auth/--api-token, or start with --auth on)");
  s.api = std::make_unique<ApiService>(std::move(router), std::move(resolver));
  s.api->audit_with(s.trail, *s.store, s.clock);
  HttpServerOptions http_options;
  http_options.address = settings_.http;
  http_options.max_body_bytes = static_cast<size_t>(settings_.max_body_bytes);
  http_options.limits.max_total = static_cast<size_t>(settings_.max_connections);
  http_options.limits.max_unauthenticated_per_source =
      static_cast<size_t>(settings_.max_unauthenticated_per_source);
  http_options.edge = &s.edge.http;
  http_options.tls = s.server_tls;
  http_options.reads = s.reads.get();
  AgentGatewayOptions agent_options;
  agent_options.agent_token = settings_.agent_token;
  agent_options.certificate_refusal = [&s](const tls::PeerCertificate& peer) { return s.trust->refusal(peer); };
  agent_options.live = s.live.get();
  agent_options.edge = &s.edge.agent_ws;
  s.agents = std::make_unique<AgentGateway>(s.ioc.get_executor(), s.hub, *s.engine, std::move(agent_options));
  if (s.server_tls && !settings_.agent_token.empty())
    spdlog::warn(
        "agents may still connect with the shared --agent-token (legacy): enroll them with join "
        "tokens and drop the token (mendctl agents shows who is left)");
  s.protocols = std::make_unique<HostProtocols>(s.ioc.get_executor(), *s.store, s.clock,
                                                settings_.ibex_rpc_hosts);
  s.hub.on_attach([&s](const std::string& ident) { s.protocols->native_attached(ident); });
  MEND_TRY(s.presence->start());
  // Groups' label selectors match the labels of agents connected to any server.
  s.groups->set_labels_source([&s](const std::vector<std::string>& hosts) -> Result<auth::HostLabels> {
    MEND_ASSIGN_OR_RETURN(auto labels, s.presence->labels_of(hosts));
    return auth::HostLabels(labels.begin(), labels.end());
  });
  if (settings_.network_threads > 0) http_options.network = &s.network;
  MEND_ASSIGN_OR_RETURN(s.http, HttpServer::start(s.ioc, *s.api, *s.agents, http_options));
  s.http_address = s.http->bound_address();
  spdlog::info("listening on {} ({})", s.http_address, s.server_tls ? "https" : "plain http");
  if (!settings_.plain_http.empty()) {
    HttpServerOptions plain_options = http_options;
    plain_options.address = settings_.plain_http;
    plain_options.tls = nullptr;
    auto started = HttpServer::start(s.ioc, *s.api, *s.agents, plain_options);
    if (!started.ok()) return make_error(started.error().code, "--plain-http: " + started.error().message);
    s.plain_http = std::move(started).value();
    spdlog::warn("plain HTTP on {} (--plain-http): keep it on loopback or a private network",
                 s.plain_http->bound_address());
  }
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
        IbexRpcServer::start(s.ioc, *s.engine, *s.store, s.agents->batcher(), s.ibex_book, *s.protocols, s.clock, io);
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
  MEND_TRY(open_trust(s, plan));
  MEND_TRY(open_accounts(s));
  MEND_TRY(open_listeners(s, plan));
  spdlog::info("server id {}", s.server_id);
  s.relay->start(s.ioc.get_executor());
  // Finish whatever the previous run left, then keep time moving.
  s.tick();
  s.every(s.tick_timer, std::chrono::seconds(1), [&s] { s.tick(); });
  // Revocations by any server sharing the database close the agent's
  // connection here within a poll.
  s.every(s.revocation_timer, std::chrono::milliseconds(500), [&s] {
    auto hosts = s.trust->poll_revocations();
    if (!hosts.ok()) {
      spdlog::warn("cannot read revoked certificates: {}", hosts.error().message);
      return;
    }
    for (const auto& h : *hosts)
      if (s.hub.close(h)) spdlog::warn("agent {}: certificate revoked, connection closed", h);
  });
  parts_ = std::move(p);
  return ok();
}

namespace {

// Runs `network` on a thread of its own for as long as it lives. Stopping is
// queued behind what was already handed over (begin_stop() closing the
// listeners), so that runs first; then the thread is joined, even when the
// state thread's run() throws.
class NetworkThread {
 public:
  explicit NetworkThread(asio::io_context& network)
      : network_(network), busy_(asio::make_work_guard(network)), thread_([this] { network_.run(); }) {}
  ~NetworkThread() {
    busy_.reset();
    asio::post(network_, [&network = network_] { network.stop(); });
    thread_.join();
  }
  NetworkThread(const NetworkThread&) = delete;
  NetworkThread& operator=(const NetworkThread&) = delete;

 private:
  asio::io_context& network_;
  asio::executor_work_guard<asio::io_context::executor_type> busy_;
  std::thread thread_;
};

}  // namespace

void MendServer::run() {
  {
    std::optional<NetworkThread> network;
    if (settings_.network_threads > 0) network.emplace(parts_->network);
    parts_->ioc.run();
  }
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

void MendServer::reload_tls() {
  if (!parts_ || !parts_->server_tls) return;
  asio::post(parts_->ioc, [p = parts_.get()] {
    if (auto r = p->server_tls->reload(); !r.ok())
      spdlog::error("TLS certificate reload refused, the old one stays: {}", r.error().message);
    else
      spdlog::info("TLS: new connections use {}", p->server_tls->description());
  });
}

std::string MendServer::http_address() const { return parts_->http_address; }

std::string MendServer::ibex_address() const {
  return parts_->ibex ? parts_->ibex->bound_address() : "";
}

const std::string& MendServer::server_id() const { return parts_->server_id; }

asio::io_context& MendServer::io_context() { return parts_->ioc; }

}  // namespace mend
