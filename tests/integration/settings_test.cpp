// Settings from flags and config files: mend-server --check-config, and
// mend-agent --config (the same keys as its flags, unknown keys refused, flags win).
#include <gtest/gtest.h>

#include "support/agent_process.hpp"
#include "support/ibex_api.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace mend::it {
namespace {

TEST(CheckConfig, AcceptsAGoodConfigAndRulesFileWithoutOpeningTheDatabase) {
  TempDir dir;
  write_file(dir.file("server.toml"), "http = \"127.0.0.1:0\"\nlease_ms = 5000\ndb = \"sqlite:" +
                                          dir.file("m.db").string() + "\"\nrules = \"" +
                                          dir.file("rules.yaml").string() + "\"\n");
  write_file(dir.file("rules.yaml"),
             "templates:\n  restart:\n    title: Restart\n    account: root\n    script: echo hi\n"
             "rules:\n  - name: r\n    matchers: ['alertname=\"Down\"']\n    template: restart\n");
  RunResult r = run_command({MEND_SERVER_BIN, "--config", dir.file("server.toml").string(), "--check-config"},
                            dir.path(), "check");
  EXPECT_EQ(r.status.code, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("m.db")));
}

TEST(CheckConfig, RefusesUnknownKeysBadValuesAndBadRules) {
  TempDir dir;
  write_file(dir.file("rules.yaml"), "rules:\n  - name: r\n    matchers: ['alertname=\"Down\"']\n    template: missing\n");
  struct Case {
    std::string config;
    std::vector<std::string> flags;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"lease_msec = 5000\n", {}, "unknown key 'lease_msec'"},
           {"lease_ms = 10\n", {}, "lease_ms must be at least 1000"},
           {"ibex_rpc_allow = [\"10.0.0.0/99\"]\nibex_rpc = \":0\"\n", {}, "10.0.0.0/99"},
           {"", {"--rules", dir.file("rules.yaml").string()}, "unknown template \"missing\""},
       }) {
    write_file(dir.file("server.toml"), c.config);
    std::vector<std::string> argv = {MEND_SERVER_BIN, "--config", dir.file("server.toml").string(), "--check-config"};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    RunResult r = run_command(argv, dir.path(), "check");
    EXPECT_EQ(r.status.code, 2) << c.config << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.says << " in:\n" << r.err;
  }
}

TEST(AgentConfig, UnknownKeysAndMissingServersAreRefused) {
  TempDir dir;
  write_file(dir.file("agent.toml"), "servers = [\"http://127.0.0.1:1\"]\nidentity = \"x\"\n");
  RunResult unknown = run_command({MEND_AGENT_BIN, "--config", dir.file("agent.toml").string()}, dir.path(), "agent");
  EXPECT_EQ(unknown.status.code, 2) << unknown.err;
  EXPECT_NE(unknown.err.find("unknown key 'identity'"), std::string::npos) << unknown.err;

  write_file(dir.file("agent.toml"), "ident = \"x\"\n");
  RunResult none = run_command({MEND_AGENT_BIN, "--config", dir.file("agent.toml").string()}, dir.path(), "agent");
  EXPECT_EQ(none.status.code, 2) << none.err;
  EXPECT_NE(none.err.find("--server is required"), std::string::npos) << none.err;
}

TEST(AgentConfig, TheFileConfiguresTheAgentAndFlagsWin) {
  TempDir dir;
  ServerProcess server(dir);
  server.start();
  write_file(dir.file("agent.toml"), "servers = [\"" + server.url() + "\"]\nident = \"from-file\"\ntoken = \"" +
                                         std::string(kAgentToken) + "\"\nspool = \"" +
                                         dir.file("spool").string() + "\"\nkill_grace_ms = 500\n");
  Process agent(SpawnSpec{{MEND_AGENT_BIN, "--config", dir.file("agent.toml").string(), "--ident", "from-flag"},
                          dir.file("agent.out"),
                          dir.file("agent.err")});
  IbexApi api(server.client());
  ASSERT_TRUE(api.wait_agents_connected(1)) << read_file(dir.file("agent.err"));
  nlohmann::json list = api.agents();
  ASSERT_EQ(list.size(), 1u) << list;
  EXPECT_EQ(list[0].value("ident", ""), "from-flag") << list;
  EXPECT_TRUE(std::filesystem::exists(dir.file("spool"))) << read_file(dir.file("agent.err"));
}

}  // namespace
}  // namespace mend::it
