// Item 1 of the hardening issue, as the attack was made: a raw msgpack client
// on --ibex-rpc reports as a host whose real, token-authenticated mend-agent is
// connected, to get its assignments and script, and to forge its result.
// A host is served by one kind of agent: Ibex-protocol clients may act only
// for names the operator allowed (--ibex-rpc-hosts) and never for a host a
// native agent has served, across a restart too.
#include <gtest/gtest.h>

#include "support/cluster_fixture.hpp"
#include "support/wait.hpp"
#include "testing/ibex_test_agent.hpp"

namespace mend::it {
namespace {

using nlohmann::json;
using mend::testing::TestAgent;

// [0,1,"Server.Report",[{"Ident":"host-a","ReportTasks":[]}]], byte for byte
// what the attacker sent: msgpack-rpc request, msgid 1, one argument.
std::string raw_report_as_host_a() {
  std::string f = mend::testing::raw_report_up_to_ident();
  f += '\xa6';
  f += "host-a";
  f += '\xab';
  f += "ReportTasks";
  f += '\x90';  // empty array
  return f;
}

// The error a raw request got back ("" when it was answered without one, or
// "<no reply>" when the server closed without answering).
std::string error_of(TestAgent& client, ibex_rpc::ReplyKind kind) {
  auto frame = client.read_frame();
  if (!frame) return "<no reply>";
  auto r = ibex_rpc::decode_response(*frame, kind);
  if (!r.ok()) return "<bad reply: " + r.error().message + ">";
  return r->error;
}

class IbexTakeoverTest : public ClusterTest {
 protected:
  // The widest setting: any host name, from any source.
  ServerOptions server_options() const override { return ibex_rpc_options("*"); }
};

TEST_F(IbexTakeoverTest, AnIbexClientCannotActForAHostANativeAgentServes) {
  // A task on host-a whose stdin is a secret; the script waits so that the
  // attacker has a running dispatch to steal.
  json form = task_form({"host-a"}, sh_script("read secret; sleep 1; echo \"got $secret\""));
  form["stdin"] = "s3cr3t-password\n";
  int64_t id = api().create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(api().wait_host_status(id, "host-a", "running"));

  // 1. The attacker's first Report as host-a is refused and its connection closed.
  TestAgent attacker(server_->ibex_rpc_port());
  ASSERT_TRUE(attacker.connected());
  attacker.send_raw(raw_report_as_host_a());
  std::string err = error_of(attacker, ibex_rpc::ReplyKind::report);
  EXPECT_NE(err.find("native agent"), std::string::npos) << err;
  EXPECT_TRUE(attacker.closed_by_server());

  // 2. GetTaskMeta hands over nothing.
  TestAgent meta(server_->ibex_rpc_port());
  auto m = meta.meta(id);
  EXPECT_EQ(m.script, "");
  EXPECT_EQ(m.stdin_text, "");
  EXPECT_NE(m.message, "");

  // 3. A forged success for every dispatch id the task could have is refused:
  //    the connection never binds host-a, so nothing is applied.
  TestAgent forger(server_->ibex_rpc_port());
  std::vector<ibex_rpc::ReportTask> forged;
  for (int64_t clock = 1; clock <= 5; ++clock)
    forged.push_back(ibex_rpc::ReportTask{id, clock, "success", "forged", ""});
  forger.send_raw(ibex_rpc::encode_request(7, ibex_rpc::ReportRequest{"host-a", forged}));
  err = error_of(forger, ibex_rpc::ReplyKind::report);
  EXPECT_NE(err.find("native agent"), std::string::npos) << err;

  // The real agent's result is the one recorded.
  ASSERT_TRUE(api().wait_task_done(id));
  EXPECT_EQ(api().host_status(id, "host-a"), "success");
  EXPECT_EQ(api().host_stdout(id, "host-a"), "got s3cr3t-password\n");

  // 4. host-a is listed once, as native.
  json agents = api().agents();
  int listed = 0;
  for (const auto& a : agents)
    if (a["ident"] == "host-a") {
      ++listed;
      EXPECT_EQ(a["protocol"], "native");
    }
  EXPECT_EQ(listed, 1) << agents.dump();
}

TEST_F(IbexTakeoverTest, AHostANativeAgentServedStaysRefusedAfterARestartWhileItsAgentIsAway) {
  agent("host-a").stop();
  ASSERT_TRUE(api().wait_agents({"host-b", "host-c"}));
  server_->restart();

  TestAgent attacker(server_->ibex_rpc_port());
  attacker.send_raw(raw_report_as_host_a());
  std::string err = error_of(attacker, ibex_rpc::ReplyKind::report);
  EXPECT_NE(err.find("native agent"), std::string::npos) << err;
  EXPECT_TRUE(attacker.closed_by_server());

  // A task made for host-a now waits for host-a's own agent.
  int64_t id = api().create_task(task_form({"host-a"}, sh_script("echo mine")));
  ASSERT_GT(id, 0);
  agent("host-a").start();
  ASSERT_TRUE(api().wait_task_done(id));
  EXPECT_EQ(api().host_stdout(id, "host-a"), "mine\n");
}

TEST_F(IbexTakeoverTest, AnIbexAgentsConnectionIsClosedWhenTheNativeAgentOfItsHostConnects) {
  TestAgent ibex(server_->ibex_rpc_port());
  EXPECT_EQ(ibex.report("host-d").message, "");
  ASSERT_TRUE(api().wait_agents({"host-a", "host-b", "host-c", "host-d"}));

  add_agent("host-d");
  EXPECT_TRUE(ibex.closed_by_server());
  ASSERT_TRUE(api().wait_agents({"host-a", "host-b", "host-c", "host-d"}));
  for (const auto& a : api().agents()) EXPECT_EQ(a["protocol"], "native") << a.dump();

  TestAgent again(server_->ibex_rpc_port());
  auto r = again.call(ibex_rpc::ReportRequest{"host-d", {}}, ibex_rpc::ReplyKind::report);
  EXPECT_NE(r.error.find("native agent"), std::string::npos) << r.error;
}

class IbexHostPatternTest : public ClusterTest {
 protected:
  ServerOptions server_options() const override {
    ServerOptions o;
    o.extra_args = {"--ibex-rpc", "127.0.0.1:0", "--ibex-rpc-hosts", "ibex-*", "--ibex-rpc-hosts", "legacy-0[12]"};
    return o;
  }
};

TEST_F(IbexHostPatternTest, OnlyTheAllowedNamesMayBeServedOverTheIbexProtocol) {
  for (const char* name : {"ibex-01", "legacy-02"}) {
    TestAgent ok(server_->ibex_rpc_port());
    EXPECT_EQ(ok.report(name).message, "") << name;
  }
  for (const char* name : {"legacy-03", "web-01", "xibex-01"}) {
    TestAgent refused(server_->ibex_rpc_port());
    auto r = refused.call(ibex_rpc::ReportRequest{name, {}}, ibex_rpc::ReplyKind::report);
    EXPECT_NE(r.error.find("--ibex-rpc-hosts"), std::string::npos) << name << ": " << r.error;
    EXPECT_TRUE(refused.closed_by_server()) << name;
  }
}

TEST(IbexRpcSettingsTest, IbexRpcWithoutAllowedHostsRefusesToStart) {
  TempDir dir;
  auto r = run_command({MEND_SERVER_BIN, "--db", "sqlite:" + dir.file("m.db").string(), "--http", "127.0.0.1:0",
                        "--ibex-rpc", "127.0.0.1:0"},
                       dir.path(), "mend-server");
  EXPECT_EQ(r.status.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--ibex-rpc-hosts"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mend::it
