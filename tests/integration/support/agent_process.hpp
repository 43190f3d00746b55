#pragma once
// mend-agent with its own ident and spool dir in a TempDir. The spool
// survives stop()/kill9()/start(), as on a real host.
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace mend::it {

struct AgentOptions {
  std::string token = kAgentToken;
  std::vector<std::string> extra_args;
  std::vector<std::string> env;  // "NAME=value" for the process (e.g. MEND_FAILPOINTS)
};

class AgentProcess {
 public:
  AgentProcess(const TempDir& dir, std::string ident, std::vector<std::string> server_urls, AgentOptions options = {});
  ~AgentProcess();

  // Starts the process; it does not wait for the connection (see wait_agents_connected).
  void start();
  // Environment for the next start (replaces the previous one).
  void set_env(std::vector<std::string> env) { options_.env = std::move(env); }
  ExitStatus stop();
  ExitStatus kill9();
  void set_servers(std::vector<std::string> urls) { servers_ = std::move(urls); }
  bool running() const { return process_ && process_->running(); }

  const std::string& ident() const { return ident_; }
  const std::filesystem::path& spool_dir() const { return spool_; }
  Process* process() { return process_.get(); }
  void print_logs(std::ostream& os) const;

 private:
  const TempDir& dir_;
  std::string ident_;
  std::vector<std::string> servers_;
  AgentOptions options_;
  std::filesystem::path spool_;
  int incarnation_ = 0;
  std::unique_ptr<Process> process_;
  std::vector<std::unique_ptr<Process>> past_;
};

}  // namespace mend::it
