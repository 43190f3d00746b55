#include "support/cluster_fixture.hpp"

#include <iostream>
#include <sstream>

namespace mend::it {

void ClusterTest::SetUp() {
  dir_ = std::make_unique<TempDir>();
  server_ = std::make_unique<ServerProcess>(*dir_, server_options());
  server_->start();
  for (const auto& h : kHosts) add_agent(h);
  ASSERT_TRUE(api().wait_agents(kHosts)) << "agents did not connect";
}

void ClusterTest::TearDown() {
  if (HasFailure()) print_logs();
  // Agents first, so the server does not log their reconnect attempts.
  for (auto& a : agents_) a->stop();
  if (server_) server_->stop();
  agents_.clear();
  server_.reset();
  dir_.reset();
}

AgentProcess& ClusterTest::agent(const std::string& ident) {
  for (auto& a : agents_)
    if (a->ident() == ident) return *a;
  throw std::runtime_error("no agent " + ident);
}

AgentProcess& ClusterTest::add_agent(const std::string& ident, AgentOptions options) {
  agents_.push_back(std::make_unique<AgentProcess>(*dir_, ident, std::vector<std::string>{server_->url()}, std::move(options)));
  agents_.back()->start();
  return *agents_.back();
}

RunResult ClusterTest::mendctl(std::vector<std::string> args, const std::string& stdin_text) {
  std::vector<std::string> argv = {MENDCTL_BIN, "--server", server_->url()};
  for (const auto& a : server_options().basic_auth) {
    argv.push_back("--user");
    argv.push_back(a);
    break;
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, dir_->path(), "mendctl", stdin_text);
}

void ClusterTest::print_logs() const {
  std::ostringstream os;
  if (server_) server_->print_logs(os);
  for (const auto& a : agents_) a->print_logs(os);
  std::cerr << os.str();
}

}  // namespace mend::it
