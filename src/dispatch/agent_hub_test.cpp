#include "dispatch/agent_hub.hpp"

#include <gtest/gtest.h>

#include "testing/fake_clock.hpp"

namespace mend {
namespace {

class RecordingConnection : public AgentConnection {
 public:
  explicit RecordingConnection(std::string remote) : remote_(std::move(remote)) {}
  void send(std::string frame) override { frames.push_back(std::move(frame)); }
  void close() override { closed = true; }
  std::string remote() const override { return remote_; }
  std::vector<std::string> frames;
  bool closed = false;

 private:
  std::string remote_;
};

class AgentHubTest : public ::testing::Test {
 protected:
  testing::FakeClock clock;
  AgentHub hub{clock};
};

TEST_F(AgentHubTest, SecondLiveSessionForAnIdentIsRefused) {
  auto a = std::make_shared<RecordingConnection>("10.0.0.1:5000");
  auto b = std::make_shared<RecordingConnection>("10.0.0.2:5000");
  ASSERT_TRUE(hub.attach("web1", a).ok());
  auto r = hub.attach("web1", b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::conflict);
  EXPECT_EQ(r.error().message, "ident web1 is already connected");
  ASSERT_EQ(hub.list().size(), 1u);
  EXPECT_EQ(hub.list()[0].remote, "10.0.0.1:5000");
}

TEST_F(AgentHubTest, IdentIsFreeAfterDetachOrWhenTheSessionIsGone) {
  auto a = std::make_shared<RecordingConnection>("a");
  ASSERT_TRUE(hub.attach("web1", a).ok());
  hub.detach("web1", a.get());
  EXPECT_EQ(hub.connected_count(), 0u);

  ASSERT_TRUE(hub.attach("web1", a).ok());
  a.reset();  // the session ended without detaching
  EXPECT_EQ(hub.connected_count(), 0u);
  auto b = std::make_shared<RecordingConnection>("b");
  EXPECT_TRUE(hub.attach("web1", b).ok());
  EXPECT_EQ(hub.connected_count(), 1u);
}

TEST_F(AgentHubTest, DetachByAnotherSessionKeepsTheHolder) {
  auto a = std::make_shared<RecordingConnection>("a");
  auto b = std::make_shared<RecordingConnection>("b");
  ASSERT_TRUE(hub.attach("web1", a).ok());
  hub.detach("web1", b.get());
  EXPECT_EQ(hub.connected_count(), 1u);
}

TEST_F(AgentHubTest, ListShowsConnectAndLastSeenTimes) {
  clock.set_ms(1000);
  auto a = std::make_shared<RecordingConnection>("1.2.3.4:9");
  ASSERT_TRUE(hub.attach("web1", a).ok());
  clock.advance_ms(500);
  hub.touch("web1");
  auto l = hub.list();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].ident, "web1");
  EXPECT_EQ(l[0].protocol, "native");
  EXPECT_EQ(l[0].remote, "1.2.3.4:9");
  EXPECT_EQ(l[0].connected_ms, 1000);
  EXPECT_EQ(l[0].last_seen_ms, 1500);
}

TEST_F(AgentHubTest, PushSendsEncodedFrameOnlyToTheConnectedHost) {
  auto a = std::make_shared<RecordingConnection>("a");
  ASSERT_TRUE(hub.attach("web1", a).ok());
  proto::Assign assign;
  assign.dispatch_id = 7;
  assign.task_id = 3;
  assign.host = "web1";
  hub.push_assign("web1", assign);
  hub.push_kill("web2", proto::Kill{8, 3});  // not connected: no-op
  hub.push_kill("web1", proto::Kill{7, 3});
  ASSERT_EQ(a->frames.size(), 2u);
  auto m = proto::decode(a->frames[0]);
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(std::holds_alternative<proto::Assign>(*m));
  EXPECT_EQ(std::get<proto::Assign>(*m).dispatch_id, 7);
  auto k = proto::decode(a->frames[1]);
  ASSERT_TRUE(k.ok());
  EXPECT_TRUE(std::holds_alternative<proto::Kill>(*k));
}

TEST_F(AgentHubTest, CloseAllClosesEverySession) {
  auto a = std::make_shared<RecordingConnection>("a");
  auto b = std::make_shared<RecordingConnection>("b");
  ASSERT_TRUE(hub.attach("web1", a).ok());
  ASSERT_TRUE(hub.attach("web2", b).ok());
  hub.close_all();
  EXPECT_TRUE(a->closed);
  EXPECT_TRUE(b->closed);
}

}  // namespace
}  // namespace mend
