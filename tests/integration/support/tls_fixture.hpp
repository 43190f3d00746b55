#pragma once
// A fixture around one TlsServer, which the test's SetUp makes and starts in
// server_, and the agents the test starts: at the end it stops them all,
// printing their logs first when the test failed.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "support/agent_process.hpp"
#include "support/tls_server.hpp"

namespace mend::it {

class TlsServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure()) {
      std::ostringstream os;
      if (server_) server_->process().print_logs(os);
      for (auto& a : agents_) a->print_logs(os);
      std::cerr << os.str();
    }
    for (auto& a : agents_) a->stop();
    if (server_) server_->stop();
  }

  // Starts one more agent of the server (not waited for), its spool in `machine`.
  AgentProcess& start_agent(const TempDir& machine, const std::string& ident, AgentOptions options) {
    agents_.push_back(std::make_unique<AgentProcess>(machine, ident, std::vector<std::string>{server_->url()},
                                                     std::move(options)));
    agents_.back()->start();
    return *agents_.back();
  }
  std::string log_of(AgentProcess& a) { return read_file(a.process()->spec().stderr_path); }

  TempDir dir_;
  std::unique_ptr<TlsServer> server_;
  std::vector<std::unique_ptr<AgentProcess>> agents_;
};

}  // namespace mend::it
