#pragma once
// A test fixture with one mend-server (fresh SQLite file) and three agents,
// host-a, host-b and host-c, connected before the test body runs. Each test
// gets its own processes and TempDir. On failure every process's log tail is
// printed.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/agent_process.hpp"
#include "support/ibex_api.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace mend::it {

inline const std::vector<std::string> kHosts = {"host-a", "host-b", "host-c"};

// Server options with --ibex-rpc on a free port of 127.0.0.1, serving the
// host names `hosts` allows (--ibex-rpc-hosts).
inline ServerOptions ibex_rpc_options(const std::string& hosts) {
  ServerOptions o;
  o.extra_args = {"--ibex-rpc", "127.0.0.1:0", "--ibex-rpc-hosts", hosts};
  return o;
}

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Override to configure the server before SetUp starts it.
  virtual ServerOptions server_options() const { return {}; }

  IbexApi api() const { return IbexApi(server_->client()); }
  AgentProcess& agent(const std::string& ident);
  // Starts one more agent (not waited for).
  AgentProcess& add_agent(const std::string& ident, AgentOptions options = {});
  // Runs mendctl against the server (with its basic auth if any).
  RunResult mendctl(std::vector<std::string> args, const std::string& stdin_text = {});
  void print_logs() const;

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ServerProcess> server_;
  std::vector<std::unique_ptr<AgentProcess>> agents_;
};

}  // namespace mend::it
