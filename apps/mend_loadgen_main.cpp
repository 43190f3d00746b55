// mend-loadgen: wiring only. Flags -> N simulated agents on one io_context.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "agent/identity.hpp"
#include "agent/server_url.hpp"
#include "common/asio.hpp"
#include "common/atomic_file.hpp"
#include "common/fd_limit.hpp"
#include "common/log.hpp"
#include "loadgen/assign_log.hpp"
#include "loadgen/loadgen_options.hpp"
#include "loadgen/sim_agent.hpp"
#include "loadgen/sim_ibex_agent.hpp"
#include "tls/tls_context.hpp"

namespace {

using namespace mend;

nlohmann::json stats_json(const char* event, const loadgen::FleetStats& s, size_t total) {
  return {{"event", event},         {"agents", total},      {"connected", s.connected},
          {"welcomes", s.welcomes}, {"assigns", s.assigns}, {"results", s.results},
          {"acks", s.acks},         {"kills", s.kills}};
}

nlohmann::json ibex_stats_json(const char* event, const loadgen::IbexFleetStats& s, size_t total) {
  return {{"event", event},       {"protocol", "ibex"},   {"agents", total},
          {"connected", s.connected}, {"reports", s.reports}, {"starts", s.starts},
          {"metas", s.metas},     {"results", s.results}, {"settled", s.settled},
          {"kills", s.kills},     {"refusals", s.refusals}};
}

// The io_context a fleet runs on. At exit the coroutine frames it holds refer
// to the agents, and the agents' timers and sockets to its services: the
// frames must go first, then the agents, then the services, and ~io_context
// would destroy frames and services together. So: declare it before the
// agents, and call finish() once run() has returned.
class FleetContext : public asio::io_context {
 public:
  using asio::io_context::io_context;
  // Destroys every handler and coroutine frame still pending.
  void finish() { shutdown(); }
};

// Stops a fleet on SIGINT or SIGTERM (caught from construction on): calls
// `stop` at once, then stops `io` once `grace` has passed (close handshakes
// get that long), whatever is still open. Declare it after what `stop` uses.
class StopOnSignal {
 public:
  StopOnSignal(asio::io_context& io, std::chrono::milliseconds grace, std::function<void()> stop)
      : signals_(io, SIGINT, SIGTERM), grace_(io) {
    signals_.async_wait(
        [this, &io, grace, stop = std::move(stop)](const boost::system::error_code& ec, int) {
          if (ec) return;
          stop();
          grace_.expires_after(grace);
          grace_.async_wait([&io](const boost::system::error_code&) { io.stop(); });
        });
  }
  StopOnSignal(const StopOnSignal&) = delete;  // the handler holds `this`
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  asio::signal_set signals_;
  asio::steady_timer grace_;
};

// Ibex-protocol agents (--ibex): each its own TCP connection to the server's
// --ibex-rpc listener, heartbeating every --poll-ms. Returns the exit code.
int run_ibex_fleet(const loadgen::LoadgenOptions& o) {
  const size_t colon = o.ibex.rfind(':');
  std::string host = colon == std::string::npos ? "" : o.ibex.substr(0, colon);
  const std::string port = colon == std::string::npos ? "" : o.ibex.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string::npos) {
    std::cerr << "mend-loadgen: --ibex " << o.ibex << ": want HOST:PORT of mend-server's --ibex-rpc\n";
    return 2;
  }
  FleetContext io(1);
  std::vector<std::unique_ptr<loadgen::SimIbexAgent>> agents;
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  auto found = resolver.resolve(host, port, ec);
  if (ec || found.empty()) {
    std::cerr << "mend-loadgen: --ibex: cannot resolve " << host << "\n";
    return 2;
  }
  const tcp::endpoint server = found.begin()->endpoint();
  loadgen::IbexFleetStats stats;
  const loadgen::IbexBehaviour behaviour{o.poll, o.exec_time, o.stdout_text};
  const auto idents = loadgen::agent_idents(o);
  agents.reserve(idents.size());
  for (size_t i = 0; i < idents.size(); ++i) {
    // Connections start at --connect-rate; their heartbeats keep that phase,
    // so a fleet polling once a second is spread over the second.
    const auto phase = std::chrono::milliseconds(static_cast<int64_t>(i * 1000 / o.connect_rate));
    agents.push_back(std::make_unique<loadgen::SimIbexAgent>(io.get_executor(), server, idents[i], phase,
                                                             behaviour, stats));
    asio::co_spawn(io, agents.back()->run(), asio::detached);
  }
  bool stopping = false;
  asio::steady_timer sweep(io);
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        bool ready = false;
        while (!stopping && !ready) {
          sweep.expires_after(std::chrono::milliseconds(50));
          boost::system::error_code wait_ec;
          co_await sweep.async_wait(asio::redirect_error(asio::use_awaitable, wait_ec));
          if (stopping || stats.connected < agents.size()) continue;
          ready = true;
          std::cout << ibex_stats_json("ready", stats, agents.size()).dump() << std::endl;
          if (!o.ready_file.empty() && !write_file_atomically(o.ready_file, std::to_string(agents.size())))
            spdlog::error("cannot write ready file {}", o.ready_file);
        }
      },
      asio::detached);
  StopOnSignal on_signal(io, std::chrono::milliseconds(200), [&] {
    stopping = true;
    sweep.cancel();
    for (auto& a : agents) a->stop();
  });
  spdlog::info("mend-loadgen: {} Ibex agents against {} every {} ms", agents.size(), o.ibex, o.poll.count());
  io.run();
  io.finish();
  std::cout << ibex_stats_json("stopped", stats, agents.size()).dump() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  loadgen::LoadgenOptions o;
  std::string log_level = "warn";
  int64_t exec_ms = 0;
  if (const char* t = std::getenv("MEND_AGENT_TOKEN")) o.token = t;

  int64_t poll_ms = 1000;
  CLI::App app{
      "mend-loadgen: simulates many mend-agents over the native protocol, or Ibex-protocol agents "
      "(--ibex), forking nothing"};
  app.set_version_flag("--version", std::string("mend-loadgen ") + MEND_VERSION);
  app.add_option("--server", o.server, "native agents: server base URL, e.g. http://127.0.0.1:10090");
  app.add_option("--ibex", o.ibex,
                 "Ibex-protocol agents instead: HOST:PORT of mend-server's --ibex-rpc listener (their idents "
                 "must match its --ibex-rpc-hosts)");
  app.add_option("--poll-ms", poll_ms, "--ibex: each agent's heartbeat (Server.Report) interval")
      ->capture_default_str();
  app.add_option("--token", o.token, "agent token (or env MEND_AGENT_TOKEN)");
  std::string cacert, join_token, cert_dir = "loadgen-certs";
  app.add_option("--cacert", cacert, "https://: the CA the server's certificate chains to (mend-server --ca-out)");
  app.add_option("--join-token", join_token,
                 "https://: a pattern join token covering every simulated ident; each agent enrolls once "
                 "and keeps its certificate in --cert-dir");
  app.add_option("--cert-dir", cert_dir, "one directory per simulated agent's key and certificate")
      ->capture_default_str();
  app.add_option("--count", o.count, "numbered agents: PREFIX0 .. PREFIX(N-1)")
      ->capture_default_str();
  app.add_option("--prefix", o.prefix, "ident prefix of the numbered agents")
      ->capture_default_str();
  app.add_option("--first", o.first, "index of the first numbered agent")->capture_default_str();
  app.add_option("--ident", o.idents, "an extra agent with exactly this ident (repeatable)");
  app.add_option("--exec-ms", exec_ms, "time from Assign to Result (0: answer at once)")
      ->capture_default_str();
  app.add_option("--stdout", o.stdout_text, "stdout of every result");
  app.add_option("--connect-rate", o.connect_rate, "connections started per second")
      ->capture_default_str();
  app.add_option("--assign-log", o.assign_log,
                 "file: '<unix ns> <ident> <task> <dispatch>' per Assign received");
  app.add_option("--ready-file", o.ready_file, "written once every agent has been welcomed");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  o.exec_time = std::chrono::milliseconds(exec_ms);
  o.poll = std::chrono::milliseconds(poll_ms);

  if (!setup_logging(log_level, "mend-loadgen")) {
    std::cerr << "unknown --log-level '" << log_level << "'\n";
    return 2;
  }
  const OpenFilesLimit files = raise_open_files_limit();
  if (auto v = loadgen::validate(o, files.soft); !v) {
    std::cerr << "mend-loadgen: " << v.error().message << "\n";
    return 2;
  }
  if (!o.ibex.empty()) return run_ibex_fleet(o);
  auto url = agent::parse_server_url(o.server);
  if (!url) {
    std::cerr << "mend-loadgen: " << url.error().message << "\n";
    return 2;
  }
  std::string extra_ca;
  if (!cacert.empty()) {
    auto pem = tls::read_pem_file(cacert);
    if (!pem) {
      std::cerr << "mend-loadgen: --cacert: " << pem.error().message << "\n";
      return 2;
    }
    extra_ca = std::move(*pem);
  }
  std::optional<loadgen::AssignLog> log;
  if (!o.assign_log.empty()) {
    auto opened = loadgen::AssignLog::open(o.assign_log);
    if (!opened) {
      std::cerr << "mend-loadgen: " << opened.error().message << "\n";
      return 1;
    }
    log.emplace(std::move(*opened));
  }

  loadgen::FleetStats stats;
  loadgen::SimBehaviour behaviour{o.exec_time, o.stdout_text};
  const auto idents = loadgen::agent_idents(o);
  FleetContext io(1);
  std::vector<std::unique_ptr<loadgen::SimAgent>> agents;
  agents.reserve(idents.size());
  // Over TLS each simulated agent has its own certificate, as real agents
  // do, so the server verifies one per handshake. Enrolled once, kept.
  std::vector<std::shared_ptr<ssl::context>> contexts(idents.size());
  if (url->tls) {
    const auto enroll_start = std::chrono::steady_clock::now();
    size_t enrolled = 0;
    for (size_t i = 0; i < idents.size(); ++i) {
      agent::AgentIdentity identity(cert_dir + "/" + idents[i], extra_ca);
      if (!identity.enrolled() && !join_token.empty()) {
        auto got = identity.enroll({o.server}, join_token, idents[i]);
        if (!got) {
          std::cerr << "mend-loadgen: enrolling " << idents[i] << ": " << got.error().message << "\n";
          return 1;
        }
        ++enrolled;
      }
      auto ctx = identity.client_context();
      if (!ctx) {
        std::cerr << "mend-loadgen: " << ctx.error().message << "\n";
        return 1;
      }
      contexts[i] = *ctx;
    }
    if (enrolled > 0)
      spdlog::warn("enrolled {} agents in {} ms", enrolled,
                   std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                         enroll_start)
                       .count());
  }
  for (size_t i = 0; i < idents.size(); ++i) {
    agent::ConnectionOptions conn;
    conn.servers = {o.server};
    conn.hello = proto::Hello{idents[i], o.token, "loadgen-" MEND_VERSION};
    conn.seed = i + 1;
    conn.tls_context = [ctx = contexts[i]] { return ctx; };
    agents.push_back(std::make_unique<loadgen::SimAgent>(io.get_executor(), std::move(conn),
                                                         behaviour, stats, log ? &*log : nullptr));
  }

  bool stopping = false;
  // Connections are started at a steady rate: a burst of thousands overflows
  // the server's listen backlog and turns into connect timeouts and retries.
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        asio::steady_timer pace(io);
        const auto start = std::chrono::steady_clock::now();
        for (size_t i = 0; i < agents.size() && !stopping; ++i) {
          auto due =
              start + std::chrono::microseconds(static_cast<int64_t>(i * 1e6 / o.connect_rate));
          if (due > std::chrono::steady_clock::now()) {
            pace.expires_at(due);
            boost::system::error_code ec;
            co_await pace.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          }
          if (stopping) break;
          asio::co_spawn(io, agents[i]->run(), asio::detached);
        }
      },
      asio::detached);

  // One timer for the whole fleet: readiness, and re-sending unacknowledged results.
  asio::steady_timer sweep(io);
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        bool ready = false;
        auto next_resend = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!stopping) {
          sweep.expires_after(std::chrono::milliseconds(50));
          boost::system::error_code ec;
          co_await sweep.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          if (stopping) break;
          if (!ready && stats.connected == agents.size()) {
            ready = true;
            std::cout << stats_json("ready", stats, agents.size()).dump() << std::endl;
            if (!o.ready_file.empty() &&
                !write_file_atomically(o.ready_file, std::to_string(agents.size())))
              spdlog::error("cannot write ready file {}", o.ready_file);
          }
          if (std::chrono::steady_clock::now() >= next_resend) {
            next_resend = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            for (auto& a : agents) a->resend_unacked();
          }
        }
      },
      asio::detached);

  StopOnSignal on_signal(io, std::chrono::seconds(1), [&] {
    stopping = true;
    sweep.cancel();
    for (auto& a : agents) a->stop();
  });
  spdlog::info("mend-loadgen: {} agents against {} (open files limit {})", agents.size(), o.server,
               files.soft);
  io.run();
  io.finish();
  std::cout << stats_json("stopped", stats, agents.size()).dump() << std::endl;
  return 0;
}
