#include "support/server_process.hpp"

#include <algorithm>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "support/wait.hpp"

namespace mend::it {

namespace {

// "HOST:PORT" -> port, 0 if the file is not complete yet.
uint16_t parse_ready(const std::string& text, std::string& host) {
  std::string s = text;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= s.size()) return 0;
  std::string port = s.substr(colon + 1);
  for (char c : port)
    if (c < '0' || c > '9') return 0;
  long p = std::stol(port);
  if (p <= 0 || p > 65535) return 0;
  host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return static_cast<uint16_t>(p);
}

}  // namespace

ServerProcess::ServerProcess(const TempDir& dir, ServerOptions options, std::string name)
    : dir_(dir), options_(std::move(options)), name_(std::move(name)) {
  db_ = dir_.file(name_ + ".db");
  ready_ = dir_.file(name_ + ".ready");
}

ServerProcess::~ServerProcess() {
  if (process_) process_->terminate();
}

void ServerProcess::start() { spawn(0); }

void ServerProcess::restart() {
  if (process_ && process_->running()) stop();
  uint16_t old = port_;
  try {
    spawn(old);
  } catch (const std::exception& e) {
    // The old port may be taken meanwhile; a new one is still a working server.
    std::cerr << "[mend-it] restart on port " << old << " failed, trying a new port: " << e.what() << "\n";
    spawn(0);
  }
}

void ServerProcess::spawn(uint16_t port) {
  if (process_) past_.push_back(std::move(process_));
  std::error_code ec;
  std::filesystem::remove(ready_, ec);
  ++incarnation_;
  std::string base = name_ + "-" + std::to_string(incarnation_);
  SpawnSpec spec;
  spec.argv = {MEND_SERVER_BIN, "--http", "127.0.0.1:" + std::to_string(port), "--ready-file", ready_.string(),
               "--db", options_.db_url.empty() ? "sqlite:" + db_.string() : options_.db_url};
  // Tests predate TLS and speak plain HTTP, unless they ask for TLS by
  // naming where the server writes its CA (tls_test.cpp, enroll_test.cpp).
  if (std::find(options_.extra_args.begin(), options_.extra_args.end(), "--ca-out") == options_.extra_args.end())
    spec.argv.push_back("--no-tls");
  if (!options_.agent_token.empty()) {
    spec.argv.push_back("--agent-token");
    spec.argv.push_back(options_.agent_token);
  }
  for (const auto& up : options_.basic_auth) {
    spec.argv.push_back("--basic-auth");
    spec.argv.push_back(up);
  }
  for (const auto& a : options_.extra_args) spec.argv.push_back(a);
  spec.extra_env = options_.env;
  spec.stdout_path = dir_.file(base + ".stdout");
  spec.stderr_path = dir_.file(base + ".stderr");
  process_ = std::make_unique<Process>(spec);

  std::string host;
  uint16_t got = 0;
  wait_until([&] {
    // Line 1: the HTTP address; line 2, with --ibex-rpc: the Ibex agent port.
    std::istringstream lines(read_file(ready_));
    std::string http_line, ibex_line;
    std::getline(lines, http_line);
    std::getline(lines, ibex_line);
    got = parse_ready(http_line, host);
    std::string ibex_host;
    ibex_rpc_port_ = parse_ready(ibex_line, ibex_host);
    return got != 0 || !process_->running();
  });
  if (got == 0) {
    std::ostringstream msg;
    msg << "mend-server did not become ready"
        << (process_->running() ? " (still running, no ready file)" : " (it exited)") << "\n";
    process_->terminate();
    process_->print_log_tail(msg);
    throw std::runtime_error(msg.str());
  }
  host_ = host;
  port_ = got;
}

ExitStatus ServerProcess::stop() {
  if (!process_) return {};
  return process_->terminate();
}

ExitStatus ServerProcess::kill9() {
  if (!process_) return {};
  return process_->kill9();
}

HttpClient ServerProcess::client() const {
  return HttpClient(host_, port_, options_.basic_auth.empty() ? std::string() : options_.basic_auth.front());
}

void ServerProcess::print_logs(std::ostream& os) const {
  for (const auto& p : past_) p->print_log_tail(os);
  if (process_) process_->print_log_tail(os);
}

}  // namespace mend::it
