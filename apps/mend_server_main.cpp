// mend-server: flags and config file in, objects wired, io_context run.
#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "api/api_context.hpp"
#include "api/api_service.hpp"
#include "api/api_auth.hpp"
#include "api/exposure_check.hpp"
#include "api/heal_routes.hpp"
#include "api/http_server.hpp"
#include "api/ibex_routes.hpp"
#include "api/listen_address.hpp"
#include "api/native_routes.hpp"
#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/failpoint.hpp"
#include "common/fd_limit.hpp"
#include "common/secret_file.hpp"
#include "dispatch/agent_hub.hpp"
#include "dispatch/fanout_agent_push.hpp"
#include "dispatch/ibex_assignment_book.hpp"
#include "dispatch/ibex_cidr.hpp"
#include "dispatch/ibex_rpc_server.hpp"
#include "dispatch/peer_dispatch_relay.hpp"
#include "engine/engine.hpp"
#include "engine/server_id.hpp"
#include "heal/heal_service.hpp"
#include "store/store.hpp"

namespace {

using namespace mend;

constexpr int kExitUsage = 2;

struct Settings {
  std::string http = "0.0.0.0:10090";
  std::string db = "sqlite:./mend.db";
  std::string agent_token;
  std::vector<std::string> basic_auth;
  std::vector<std::string> api_tokens;
  std::string log_level = "info";
  int64_t max_body_bytes = 8 * 1024 * 1024;
  std::string ready_file;
  std::string server_id;  // default: hostname:port
  int64_t lease_ms = 15000;
  int64_t kill_deadline_ms = 60000;
  int64_t peer_check_ms = 3000;
  std::string ibex_rpc;  // off when empty
  std::vector<std::string> ibex_rpc_allow;
  std::string rules;
  // Secrets from files, so they stay off command lines (see common/secret_file.hpp).
  std::string agent_token_file;
  std::string basic_auth_file;  // one USER:PASS a line
  std::string api_token_file;   // one token a line
  bool insecure = false;        // start unauthenticated on a non-loopback address
};

// Reads the TOML config into `s`. Unknown keys and wrong types are errors, so
// a typo fails at start instead of being silently ignored.
std::optional<std::string> load_config(const std::string& path, Settings& s) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return "config " + path + ": " + std::string(e.description()) + " (line " +
           std::to_string(e.source().begin.line) + ")";
  }
  for (auto&& [k, node] : table) {
    std::string key(k.str());
    auto type_error = [&](const char* want) { return "config " + path + ": key '" + key + "' must be " + want; };
    auto read_string = [&](std::string& out) -> std::optional<std::string> {
      if (!node.is_string()) return type_error("a string");
      out = node.as_string()->get();
      return std::nullopt;
    };
    auto read_strings = [&](std::vector<std::string>& out, const char* want) -> std::optional<std::string> {
      if (!node.is_array()) return type_error(want);
      out.clear();
      for (auto& e : *node.as_array()) {
        if (!e.is_string()) return type_error(want);
        out.push_back(e.as_string()->get());
      }
      return std::nullopt;
    };
    std::optional<std::string> err;
    if (key == "http") {
      err = read_string(s.http);
    } else if (key == "db") {
      err = read_string(s.db);
    } else if (key == "agent_token") {
      err = read_string(s.agent_token);
    } else if (key == "log_level") {
      err = read_string(s.log_level);
    } else if (key == "server_id") {
      err = read_string(s.server_id);
    } else if (key == "ibex_rpc") {
      err = read_string(s.ibex_rpc);
    } else if (key == "rules") {
      err = read_string(s.rules);
    } else if (key == "ready_file") {
      err = read_string(s.ready_file);
    } else if (key == "agent_token_file") {
      err = read_string(s.agent_token_file);
    } else if (key == "basic_auth_file") {
      err = read_string(s.basic_auth_file);
    } else if (key == "api_token_file") {
      err = read_string(s.api_token_file);
    } else if (key == "insecure") {
      if (!node.is_boolean()) return type_error("true or false");
      s.insecure = node.as_boolean()->get();
    } else if (key == "kill_deadline_ms") {
      if (!node.is_integer()) return type_error("an integer");
      s.kill_deadline_ms = node.as_integer()->get();
    } else if (key == "lease_ms") {
      if (!node.is_integer()) return type_error("an integer");
      s.lease_ms = node.as_integer()->get();
    } else if (key == "peer_check_ms") {
      if (!node.is_integer()) return type_error("an integer");
      s.peer_check_ms = node.as_integer()->get();
    } else if (key == "ibex_rpc_allow") {
      err = read_strings(s.ibex_rpc_allow, "a list of CIDR strings");
    } else if (key == "max_body_bytes") {
      if (!node.is_integer()) return type_error("an integer");
      s.max_body_bytes = node.as_integer()->get();
    } else if (key == "api_tokens") {
      err = read_strings(s.api_tokens, "a list of token strings");
    } else if (key == "basic_auth") {
      err = read_strings(s.basic_auth, "a list of \"user:password\" strings");
    } else {
      return "config " + path + ": unknown key '" + key +
             "' (known: http, db, agent_token, agent_token_file, basic_auth, basic_auth_file, api_tokens, "
             "api_token_file, insecure, rules, ready_file, log_level, max_body_bytes, server_id, lease_ms, kill_deadline_ms, "
             "peer_check_ms, ibex_rpc, ibex_rpc_allow)";
    }
    if (err) return err;
  }
  return std::nullopt;
}

// Written to a temporary file and renamed, so a reader never sees half of it.
bool write_ready_file(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << content << "\n";
    if (!f.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// True when argv names `flag` itself, not only an environment variable that also fills it.
bool given_on_command_line(int argc, char** argv, const std::string& flag) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == flag || a.rfind(flag + "=", 0) == 0) return true;
  }
  return false;
}

// Reads the *_file settings into the secrets they name; each file's lines are
// added to what the flags or config gave. Warnings (group- or world-readable
// files) are appended to `warnings` for logging once logging is set up.
std::optional<std::string> load_secret_files(Settings& s, std::vector<std::string>& warnings) {
  if (!s.agent_token_file.empty()) {
    if (!s.agent_token.empty()) return "give agent_token or agent_token_file, not both";
    std::string warning;
    auto t = read_one_secret(s.agent_token_file, "--agent-token-file", &warning);
    if (!t.ok()) return t.error().message;
    s.agent_token = std::move(*t);
    if (!warning.empty()) warnings.push_back(warning);
  }
  for (auto [path, out, what] : {std::tuple{&s.basic_auth_file, &s.basic_auth, "--basic-auth-file"},
                                 std::tuple{&s.api_token_file, &s.api_tokens, "--api-token-file"}}) {
    if (path->empty()) continue;
    auto lines = read_secret_lines(*path, what);
    if (!lines.ok()) return lines.error().message;
    out->insert(out->end(), lines->lines.begin(), lines->lines.end());
    if (!lines->warning.empty()) warnings.push_back(lines->warning);
  }
  return std::nullopt;
}

int usage_error(const std::string& message) {
  std::cerr << "mend-server: " << message << "\n";
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mend-server: the Mend task engine (Ibex-compatible HTTP API, native agent channel)"};
  app.set_version_flag("--version", std::string("mend-server ") + MEND_VERSION);
  Settings flags;
  std::string config_file;
  app.add_option("--http", flags.http, "listen address HOST:PORT or :PORT (default 0.0.0.0:10090)");
  app.add_option("--db", flags.db, "database URL (default sqlite:./mend.db)");
  app.add_option("--agent-token", flags.agent_token, "secret agents must present (visible in ps: prefer --agent-token-file)")
      ->envname("MEND_AGENT_TOKEN");
  app.add_option("--agent-token-file", flags.agent_token_file, "file holding the secret agents must present");
  app.add_option("--basic-auth", flags.basic_auth,
                 "USER:PASS required on /ibex/v1 and /api/v1 (repeatable; visible in ps: prefer --basic-auth-file)");
  app.add_option("--basic-auth-file", flags.basic_auth_file, "file of USER:PASS lines, each a --basic-auth user");
  app.add_option("--api-token", flags.api_tokens,
                 "bearer token accepted on /ibex/v1 and /api/v1, alongside --basic-auth (repeatable; visible in ps: "
                 "prefer --api-token-file)");
  app.add_option("--api-token-file", flags.api_token_file, "file of bearer tokens, one a line");
  app.add_flag("--insecure", flags.insecure,
               "start on an address other machines reach even without API or agent authentication");
  app.add_option("--config", config_file, "TOML file with the same keys; flags override it");
  app.add_option("--log-level", flags.log_level, "trace, debug, info, warn, error (default info)");
  app.add_option("--max-body-bytes", flags.max_body_bytes, "largest request body (default 8 MiB)");
  app.add_option("--ready-file", flags.ready_file, "after listening, write the bound HOST:PORT here");
  app.add_option("--server-id", flags.server_id,
                 "this server's name as task owner; keep it stable across restarts (default HOSTNAME:PORT)");
  app.add_option("--kill-deadline-ms", flags.kill_deadline_ms,
                 "a host still killing this long without word from its agent becomes killfailed (default 60000)");
  app.add_option("--lease-ms", flags.lease_ms, "task ownership lease; another server takes over after it (default 15000)");
  app.add_option("--peer-check-ms", flags.peer_check_ms,
                 "PostgreSQL: how often to check this server's agents for work another server dispatched, in case "
                 "a notification was missed (default 3000)");
  app.add_option("--ibex-rpc", flags.ibex_rpc,
                 "serve existing Ibex agents (ibex-agentd, categraf) on HOST:PORT, e.g. :20090 (default off)");
  app.add_option("--ibex-rpc-allow", flags.ibex_rpc_allow, "CIDR allowed to connect to --ibex-rpc (repeatable; default any)");
  app.add_option("--rules", flags.rules,
                 "YAML file of heal templates and rules (reloaded on SIGHUP and POST /api/v1/reload)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }

  Settings s;
  std::vector<std::string> secret_warnings;
  if (!config_file.empty()) {
    if (auto err = load_config(config_file, s)) return usage_error(*err);
    struct stat st{};
    if ((!s.agent_token.empty() || !s.basic_auth.empty() || !s.api_tokens.empty()) &&
        ::stat(config_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
      secret_warnings.push_back("config " + config_file +
                                " holds secrets and other local users may read it: chmod 600 it");
  }
  if (app.count("--http")) s.http = flags.http;
  if (app.count("--db")) s.db = flags.db;
  if (app.count("--agent-token")) s.agent_token = flags.agent_token;
  if (app.count("--basic-auth")) s.basic_auth = flags.basic_auth;
  if (app.count("--api-token")) s.api_tokens = flags.api_tokens;
  if (app.count("--log-level")) s.log_level = flags.log_level;
  if (app.count("--max-body-bytes")) s.max_body_bytes = flags.max_body_bytes;
  if (app.count("--ready-file")) s.ready_file = flags.ready_file;
  if (app.count("--server-id")) s.server_id = flags.server_id;
  if (app.count("--lease-ms")) s.lease_ms = flags.lease_ms;
  if (app.count("--kill-deadline-ms")) s.kill_deadline_ms = flags.kill_deadline_ms;
  if (app.count("--peer-check-ms")) s.peer_check_ms = flags.peer_check_ms;
  if (app.count("--ibex-rpc")) s.ibex_rpc = flags.ibex_rpc;
  if (app.count("--ibex-rpc-allow")) s.ibex_rpc_allow = flags.ibex_rpc_allow;
  if (app.count("--rules")) s.rules = flags.rules;
  if (app.count("--agent-token-file")) s.agent_token_file = flags.agent_token_file;
  if (app.count("--basic-auth-file")) s.basic_auth_file = flags.basic_auth_file;
  if (app.count("--api-token-file")) s.api_token_file = flags.api_token_file;
  if (app.count("--insecure")) s.insecure = flags.insecure;
  const std::pair<std::string, std::string> secret_flags[] = {
      {"--agent-token", "--agent-token-file"}, {"--basic-auth", "--basic-auth-file"}, {"--api-token", "--api-token-file"}};
  for (const auto& [flag, safer] : secret_flags) {
    if (given_on_command_line(argc, argv, flag)) secret_warnings.push_back(secret_flag_warning(flag, safer));
  }
  if (auto err = load_secret_files(s, secret_warnings)) return usage_error(*err);
  init_failpoints_from_env();

  if (!setup_logging(s.log_level, "mend-server")) return usage_error("unknown log level '" + s.log_level + "'");
  for (const auto& w : secret_warnings) spdlog::warn("{}", w);
  // One descriptor per connected agent: the usual soft limit of 1024 would
  // refuse agents long before memory or CPU runs out.
  const OpenFilesLimit files = raise_open_files_limit();
  spdlog::info("open files limit {} (hard {})", files.soft, files.hard);
  if (s.max_body_bytes <= 0) return usage_error("max_body_bytes must be positive");
  std::vector<BasicAuthUser> users;
  for (const auto& entry : s.basic_auth) {
    auto u = parse_basic_auth_user(entry);
    if (!u.ok()) return usage_error(u.error().message);
    users.push_back(std::move(*u));
  }

  std::vector<std::string> api_tokens;
  for (const auto& entry : s.api_tokens) {
    auto t = parse_api_token(entry);
    if (!t.ok()) return usage_error(t.error().message);
    api_tokens.push_back(std::move(*t));
  }

  if (s.lease_ms < 1000) return usage_error("lease_ms must be at least 1000");
  if (s.kill_deadline_ms < 1000) return usage_error("kill_deadline_ms must be at least 1000");
  if (s.peer_check_ms < 100) return usage_error("peer_check_ms must be at least 100");
  std::vector<IbexCidr> ibex_allow;
  for (const auto& c : s.ibex_rpc_allow) {
    auto n = IbexCidr::parse(c);
    if (!n.ok()) return usage_error(n.error().message);
    ibex_allow.push_back(*n);
  }
  if (!ibex_allow.empty() && s.ibex_rpc.empty()) return usage_error("--ibex-rpc-allow needs --ibex-rpc");
  std::optional<ListenAddress> ibex_where;
  if (!s.ibex_rpc.empty()) {
    auto w = parse_listen_address(s.ibex_rpc);
    if (!w.ok()) return usage_error("--ibex-rpc: " + w.error().message);
    ibex_where = *w;
  }
  // Checked before the database is opened, so a typo creates no file.
  auto http_where = parse_listen_address(s.http);
  if (!http_where.ok()) return usage_error(http_where.error().message);
  const AccessControl access{.api_users = !users.empty() || !api_tokens.empty(), .agent_token = !s.agent_token.empty()};
  if (auto r = check_exposure(*http_where, access, s.insecure); !r.ok()) return usage_error(r.error().message);
  if (auto w = exposure_warning(*http_where, access); !w.empty()) spdlog::warn("{}", w);
  if (s.server_id.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    std::random_device random;
    const uint64_t nonce = (uint64_t{random()} << 32) | random();
    s.server_id = default_server_id(host, http_where->port, nonce);
    if (http_where->port == 0) {
      spdlog::warn("server id {} is new at every start (--http port 0): after a restart this server's tasks "
                   "are taken over once their leases expire; set --server-id to keep one name",
                   s.server_id);
    }
  }
  auto store = open_store(s.db);
  if (!store.ok()) return usage_error("cannot open database " + s.db + ": " + store.error().message);
  SystemClock clock;
  AgentHub hub(clock);
  IbexAssignmentBook ibex_book;
  CompositeAgentPush push({&hub, &ibex_book});
  // Other servers on the same PostgreSQL announce what they dispatch; the
  // relay passes it to the agents connected here (a plain push on SQLite).
  LocalAgents local_agents{
      [&](const std::string& h) { return hub.connected(h) || ibex_book.tracks(h); },
      [&] {
        std::vector<std::string> out = ibex_book.idents();
        for (const auto& a : hub.list()) out.push_back(a.ident);
        return out;
      }};
  PeerRelayOptions relay_options;
  relay_options.catch_up_interval = std::chrono::milliseconds(s.peer_check_ms);
  PeerDispatchRelay relay(**store, (*store)->open_dispatch_feed(), push, local_agents, relay_options);
  EngineMetrics metrics;
  EngineOptions engine_options;
  engine_options.server_id = s.server_id;
  engine_options.lease_ms = s.lease_ms;
  engine_options.kill_deadline_ms = s.kill_deadline_ms;
  Engine engine(**store, clock, relay, metrics, engine_options);
  relay.attach(engine);
  // A bad rules file stops the start: running without the rules someone wrote is worse.
  // An alert for a host no agent ever served is skipped (host_unknown), not left waiting.
  heal::HealService heal(**store, engine, clock, [&hub, &ibex_book](const std::string& ident) {
    return hub.connected(ident) || ibex_book.tracks(ident);
  });
  if (auto r = heal.start(s.rules); !r.ok()) return usage_error(r.error().message);
  ApiContext ctx{engine, **store, hub, clock, metrics, &heal, &relay};
  Router router;
  add_ibex_routes(router, ctx);
  add_native_routes(router, ctx);
  add_heal_routes(router, heal, **store, clock);
  ApiService api(std::move(router), ApiAuth(BasicAuth(std::move(users)), std::move(api_tokens)));

  // Declared after everything the connections use, so it is destroyed first.
  asio::io_context ioc(1);
  HttpServerOptions options;
  options.address = s.http;
  options.max_body_bytes = static_cast<size_t>(s.max_body_bytes);
  options.agent_token = s.agent_token;
  auto server = HttpServer::start(ioc, api, hub, engine, options);
  if (!server.ok()) return usage_error(server.error().message);
  std::string bound = (*server)->bound_address();
  spdlog::info("listening on {}", bound);
  std::unique_ptr<IbexRpcServer> ibex;
  if (ibex_where) {
    IbexRpcServerOptions io;
    io.host = ibex_where->host;
    io.port = ibex_where->port;
    io.allow = ibex_allow;
    auto started = IbexRpcServer::start(ioc, engine, **store, ibex_book, clock, io);
    if (!started.ok()) return usage_error("--ibex-rpc: " + started.error().message);
    ibex = std::move(started).value();
    ctx.other_agents = [&ibex] { return ibex->list(); };
    spdlog::info("ibex agents on {}", ibex->bound_address());
    // Tests started with port 0 read the Ibex port from the second line.
    bound += "\n" + ibex->bound_address();
  }
  spdlog::info("server id {}", s.server_id);
  if (!s.ready_file.empty() && !write_ready_file(s.ready_file, bound))
    return usage_error("cannot write ready file " + s.ready_file);

  relay.start(ioc.get_executor());
  // Finish whatever the previous run left, then keep time moving.
  if (auto r = engine.tick(); !r.ok()) spdlog::warn("engine tick failed: {}", r.error().message);
  bool stopping = false;
  asio::steady_timer tick_timer(ioc);
  asio::co_spawn(
      ioc,
      [&]() -> awaitable<void> {
        beast::error_code ec;
        while (!stopping) {
          tick_timer.expires_after(std::chrono::seconds(1));
          co_await tick_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          if (stopping) break;
          if (auto r = engine.tick(); !r.ok()) spdlog::warn("engine tick failed: {}", r.error().message);
        }
      },
      asio::detached);

  asio::steady_timer force_stop(ioc);
  // SIGHUP reloads the rules; a bad file is refused whole and the old rules stay.
  asio::signal_set hup(ioc, SIGHUP);
  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](const beast::error_code& ec, int) {
      if (ec) return;
      if (auto r = heal.reload(); !r.ok()) spdlog::error("rules reload refused, old rules stay:\n{}", r.error().message);
      wait_hup();
    });
  };
  wait_hup();
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("signal {}: stopping", signo);
    stopping = true;
    tick_timer.cancel();
    relay.stop();
    hup.cancel();
    (*server)->stop();
    if (ibex) ibex->stop();
    hub.close_all();
    // Agents get a moment to answer the close handshake; then stop regardless.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    asio::co_spawn(
        ioc,
        [&, deadline]() -> awaitable<void> {
          beast::error_code e;
          while (hub.connected_count() > 0 && std::chrono::steady_clock::now() < deadline) {
            force_stop.expires_after(std::chrono::milliseconds(20));
            co_await force_stop.async_wait(asio::redirect_error(asio::use_awaitable, e));
          }
          ioc.stop();
        },
        asio::detached);
  });

  ioc.run();
  relay.close();
  spdlog::info("stopped");
  return 0;
}
