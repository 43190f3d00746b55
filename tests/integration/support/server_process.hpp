#pragma once
// mend-server on 127.0.0.1 with a SQLite file in a TempDir. start() returns
// once the server wrote its ready file (it is listening); restart() keeps the
// database and, when it can, the port, so agents pointed at url() reconnect.
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace mend::it {

inline constexpr const char* kAgentToken = "it-agent-token";

struct ServerOptions {
  std::string agent_token = kAgentToken;
  std::vector<std::string> basic_auth;  // "user:password" each
  std::vector<std::string> extra_args;
  std::vector<std::string> env;  // "NAME=value" for the process (e.g. MEND_FAILPOINTS)
  std::string db_url;            // --db; default a SQLite file in the TempDir
};

class ServerProcess {
 public:
  ServerProcess(const TempDir& dir, ServerOptions options = {}, std::string name = "server");
  ~ServerProcess();

  // Throws std::runtime_error (with the server's log) if it does not become ready.
  void start();
  // SIGTERM and wait; returns how it ended.
  ExitStatus stop();
  ExitStatus kill9();
  void restart();
  // Environment for the next start/restart (replaces the previous one).
  void set_env(std::vector<std::string> env) { options_.env = std::move(env); }
  bool running() const { return process_ && process_->running(); }

  std::string url() const { return "http://" + host_ + ":" + std::to_string(port_); }
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  // The bound --ibex-rpc port; 0 when the server does not serve Ibex agents.
  uint16_t ibex_rpc_port() const { return ibex_rpc_port_; }
  const std::filesystem::path& db_path() const { return db_; }
  // A client with the first configured basic-auth user (if any).
  HttpClient client() const;
  HttpClient anonymous_client() const { return HttpClient(host_, port_); }
  Process* process() { return process_.get(); }
  // Every incarnation's log, oldest first.
  void print_logs(std::ostream& os) const;

 private:
  void spawn(uint16_t port);

  const TempDir& dir_;
  ServerOptions options_;
  std::string name_;
  std::filesystem::path db_;
  std::filesystem::path ready_;
  std::string host_ = "127.0.0.1";
  uint16_t port_ = 0;
  uint16_t ibex_rpc_port_ = 0;
  int incarnation_ = 0;
  std::unique_ptr<Process> process_;
  std::vector<std::unique_ptr<Process>> past_;
};

}  // namespace mend::it
