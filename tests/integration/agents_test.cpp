// Who may connect as an agent, and what /api/v1/agents shows.
#include <gtest/gtest.h>

#include <thread>

#include "support/cluster_fixture.hpp"
#include "support/raw_agent.hpp"

namespace mend::it {
namespace {

using nlohmann::json;

class AgentsTest : public ClusterTest {
 protected:
  std::string describe(const std::optional<proto::Message>& m, const RawAgent& raw) {
    if (!m) return "no message (" + raw.error() + ")";
    return proto::encode(*m);
  }
};

TEST_F(AgentsTest, ListsTheConnectedAgents) {
  json list = api().agents();
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 3u) << list;
  for (const auto& a : list) {
    EXPECT_TRUE(a.contains("protocol") && !a["protocol"].is_null()) << a;
    EXPECT_EQ(a.value("remote", "").rfind("127.0.0.1:", 0), 0u) << a;
    EXPECT_GT(a.value("connected_ms", int64_t{0}), 0) << a;
    EXPECT_GE(a.value("last_seen_ms", int64_t{0}), a.value("connected_ms", int64_t{0})) << a;
    EXPECT_EQ(a.value("version", ""), MEND_VERSION) << "the version the agent said in its hello: " << a;
    EXPECT_EQ(a.value("groups", json()), json::array()) << "no group exists yet: " << a;
  }
  // Membership by name, as a task at creation sees it.
  HttpResponse made = server_->client().post_json("/api/v1/groups", {{"name", "ab"}, {"hosts", {"host-[ab]"}}});
  ASSERT_EQ(made.status, 200) << made;
  ASSERT_EQ(server_->client().post_json("/api/v1/groups", {{"name", "a"}, {"hosts", {"host-a"}}}).status, 200);
  EXPECT_EQ(api().agent("host-a")["groups"], json::array({"a", "ab"}));
  EXPECT_EQ(api().agent("host-b")["groups"], json::array({"ab"}));
  EXPECT_EQ(api().agent("host-c")["groups"], json::array());
}

TEST_F(AgentsTest, StoppedAgentLeavesTheList) {
  agent("host-b").stop();
  EXPECT_TRUE(api().wait_agents({"host-a", "host-c"}));
  agent("host-b").start();
  EXPECT_TRUE(api().wait_agents(kHosts));
}

TEST_F(AgentsTest, WrongTokenIsRefused) {
  RawAgent raw(server_->host(), server_->port());
  auto answer = raw.hello("host-d", "wrong-token");
  EXPECT_TRUE(!answer || std::holds_alternative<proto::Refused>(*answer))
      << "a wrong token must not be welcomed: " << describe(answer, raw);
  if (answer && std::holds_alternative<proto::Refused>(*answer)) {
    EXPECT_NE(std::get<proto::Refused>(*answer).reason, "");
  }

  // A real agent with a wrong token, then one with the right token: only the latter shows up.
  add_agent("host-e", AgentOptions{"wrong-token", {}});
  add_agent("host-f");
  ASSERT_TRUE(api().wait_agents({"host-a", "host-b", "host-c", "host-f"}));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(api().agent_idents(), (std::vector<std::string>{"host-a", "host-b", "host-c", "host-f"}));
}

TEST_F(AgentsTest, RightTokenIsWelcomed) {
  // The control for the refusals above: the same raw client with the right token is welcomed.
  RawAgent raw(server_->host(), server_->port());
  auto answer = raw.hello("host-raw", kAgentToken);
  ASSERT_TRUE(answer && std::holds_alternative<proto::Welcome>(*answer)) << describe(answer, raw);
  EXPECT_TRUE(api().wait_agents({"host-a", "host-b", "host-c", "host-raw"}));
  raw.close();
  EXPECT_TRUE(api().wait_agents(kHosts));
}

TEST_F(AgentsTest, SecondAgentWithSameIdentIsRefusedWhileFirstIsConnected) {
  json before = api().agent("host-a");
  ASSERT_TRUE(before.is_object());

  RawAgent raw(server_->host(), server_->port());
  auto answer = raw.hello("host-a", kAgentToken);
  EXPECT_TRUE(!answer || std::holds_alternative<proto::Refused>(*answer))
      << "a second host-a must not be welcomed: " << describe(answer, raw);

  // A second real agent process with the same ident (its own spool).
  AgentProcess& twin = add_agent("host-a");
  (void)twin;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  json after = api().agent("host-a");
  ASSERT_TRUE(after.is_object());
  EXPECT_EQ(after.value("connected_ms", int64_t{-1}), before.value("connected_ms", int64_t{-2}))
      << "the first connection stays: " << before << " vs " << after;
  EXPECT_EQ(after.value("remote", ""), before.value("remote", "")) << before << " vs " << after;

  // And host-a still runs tasks, exactly once.
  IbexApi ibex = api();
  std::string log = dir_->file("host-a-runs").string();
  int64_t id = ibex.create_task(task_form({"host-a"}, sh_script("echo x >> " + log + "\n")));
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_status(id, "host-a"), "success");
  EXPECT_EQ(read_file(log), "x\n");
}

TEST_F(AgentsTest, ServerAndAgentStopCleanlyOnSigterm) {
  for (auto& a : agents_) {
    ExitStatus s = a->stop();
    EXPECT_TRUE(s.success()) << "mend-agent " << a->ident() << " on SIGTERM: " << s;
  }
  ExitStatus s = server_->stop();
  EXPECT_TRUE(s.success()) << "mend-server on SIGTERM: " << s;
}

}  // namespace
}  // namespace mend::it

namespace mend::it {
namespace {

// The server checks labels itself (an agent of another version may not): a
// hello with a bad label is refused with the reason, and nothing is listed.
TEST_F(AgentsTest, AHelloWithABadLabelIsRefusedWithTheReason) {
  RawAgent raw(server_->host(), server_->port());
  ASSERT_TRUE(raw.connect()) << raw.error();
  proto::Hello h{"host-bad", kAgentToken, "test"};
  h.labels = {{"env", "prod"}, {"note", "two\nlines"}};
  ASSERT_TRUE(raw.send(h));
  auto answer = raw.receive();
  ASSERT_TRUE(answer && std::holds_alternative<proto::Refused>(*answer)) << describe(answer, raw);
  EXPECT_EQ(std::get<proto::Refused>(*answer).reason, "bad label 'note': value holds a control character");
  EXPECT_EQ(api().agent_idents(), kHosts);

  // The control: good labels are welcomed and listed as sent.
  RawAgent good(server_->host(), server_->port());
  ASSERT_TRUE(good.connect()) << good.error();
  h.ident = "host-good";
  h.labels = {{"env", "prod"}};
  ASSERT_TRUE(good.send(h));
  auto welcome = good.receive();
  ASSERT_TRUE(welcome && std::holds_alternative<proto::Welcome>(*welcome)) << describe(welcome, good);
  EXPECT_EQ(api().agent("host-good")["labels"], json({{"env", "prod"}}));
  EXPECT_EQ(api().agent("host-a")["labels"], json::object()) << "an agent without labels";
}

}  // namespace
}  // namespace mend::it
