// A real mend-server serving both kinds of agents: a real mend-agent on the
// native protocol and a client speaking Ibex's agent protocol on --ibex-rpc,
// both hosts of one task.
#include <gtest/gtest.h>

#include "support/cluster_fixture.hpp"
#include "support/wait.hpp"
#include "testing/ibex_test_agent.hpp"

namespace mend::it {
namespace {

using nlohmann::json;
using mend::testing::TestAgent;

class IbexAgentTest : public ClusterTest {
 protected:
  ServerOptions server_options() const override { return ibex_rpc_options("ibex-*"); }
};

TEST_F(IbexAgentTest, ATaskRunsOnANativeAndAnIbexProtocolHost) {
  ASSERT_NE(server_->ibex_rpc_port(), 0);
  TestAgent ibex_agent(server_->ibex_rpc_port());
  ASSERT_TRUE(ibex_agent.connected());
  ibex_agent.report("ibex-01");  // the first heartbeat makes the host known

  json form = task_form({"host-a", "ibex-01"}, sh_script("echo \"$1|$2\"; cat"));
  form["args"] = "one two,,three";
  form["stdin"] = "from stdin";
  int64_t id = api().create_task(form);
  ASSERT_GT(id, 0);

  // The native host runs the script at once (pushed).
  IbexApi ibex = api();
  ASSERT_TRUE(ibex.wait_host_status(id, "host-a", "success"));
  EXPECT_EQ(ibex.host_stdout(id, "host-a"), "one two|three\nfrom stdin");

  // The Ibex host learns of it at its next heartbeat, fetches the meta, runs, reports.
  ibex_rpc::ReportReply hb;
  ASSERT_TRUE(wait_until([&] {
    hb = ibex_agent.report("ibex-01");
    return !hb.assign_tasks.empty();
  }));
  ASSERT_EQ(hb.assign_tasks.size(), 1u);
  EXPECT_EQ(hb.assign_tasks[0].id, id);
  EXPECT_EQ(hb.assign_tasks[0].action, "start");
  auto meta = ibex_agent.meta(id);
  EXPECT_EQ(meta.message, "");
  EXPECT_EQ(meta.args, "one two,,three");
  EXPECT_EQ(meta.stdin_text, "from stdin");
  EXPECT_NE(meta.script.find("cat"), std::string::npos);
  EXPECT_EQ(ibex.host_status(id, "ibex-01"), "running");

  const int64_t clock = hb.assign_tasks[0].clock;
  ibex_agent.report("ibex-01", {ibex_rpc::ReportTask{id, clock, "success", "one two|three\nfrom stdin", ""}});
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_status(id, "ibex-01"), "success");
  EXPECT_EQ(ibex.host_stdout(id, "ibex-01"), "one two|three\nfrom stdin");
  // A repeated report of the same result changes nothing.
  ibex_agent.report("ibex-01", {ibex_rpc::ReportTask{id, clock, "failed", "again", ""}});
  EXPECT_EQ(ibex.host_status(id, "ibex-01"), "success");

  // Both kinds of agents are listed, with their protocol.
  auto agents = mendctl({"agents"});
  EXPECT_TRUE(agents.status.success()) << agents.err;
  EXPECT_NE(agents.out.find("ibex-01"), std::string::npos) << agents.out;
  EXPECT_NE(agents.out.find("host-a"), std::string::npos) << agents.out;
  EXPECT_NE(agents.out.find("ibex"), std::string::npos) << agents.out;
}

}  // namespace
}  // namespace mend::it
