#include "support/agent_process.hpp"

namespace mend::it {

AgentProcess::AgentProcess(const TempDir& dir, std::string ident, std::vector<std::string> server_urls,
                           AgentOptions options)
    : dir_(dir), ident_(std::move(ident)), servers_(std::move(server_urls)), options_(std::move(options)) {
  spool_ = dir_.file("spool-" + ident_);
  std::filesystem::create_directories(spool_);
}

AgentProcess::~AgentProcess() {
  if (process_) process_->terminate();
}

void AgentProcess::start() {
  if (process_) {
    if (process_->running()) process_->terminate();
    past_.push_back(std::move(process_));
  }
  ++incarnation_;
  std::string base = "agent-" + ident_ + "-" + std::to_string(incarnation_);
  SpawnSpec spec;
  spec.argv = {MEND_AGENT_BIN};
  for (const auto& url : servers_) {
    spec.argv.push_back("--server");
    spec.argv.push_back(url);
  }
  spec.argv.insert(spec.argv.end(), {"--ident", ident_, "--token", options_.token, "--spool", spool_.string()});
  for (const auto& a : options_.extra_args) spec.argv.push_back(a);
  spec.extra_env = options_.env;
  spec.stdout_path = dir_.file(base + ".stdout");
  spec.stderr_path = dir_.file(base + ".stderr");
  process_ = std::make_unique<Process>(spec);
}

ExitStatus AgentProcess::stop() { return process_ ? process_->terminate() : ExitStatus{}; }
ExitStatus AgentProcess::kill9() { return process_ ? process_->kill9() : ExitStatus{}; }

void AgentProcess::print_logs(std::ostream& os) const {
  for (const auto& p : past_) p->print_log_tail(os);
  if (process_) process_->print_log_tail(os);
}

}  // namespace mend::it
