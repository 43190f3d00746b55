// What the relay sends to the agents connected to this server when another
// server dispatched to them: the notification path (deliver) and the periodic
// check (catch_up). Two engines on one store stand for two servers; the
// feed itself (PostgreSQL LISTEN) is tested in pg_store_test.cpp and end to
// end in tests/integration/pg_cluster_test.cpp.
#include "dispatch/peer_dispatch_relay.hpp"

#include <gtest/gtest.h>

#include <set>

#include "store/sqlite/test_support.hpp"
#include "testing/fake_clock.hpp"
#include "testing/recording_agent_push.hpp"

namespace mend {
namespace {

// A feed that is never connected: the tests call deliver and catch_up
// themselves, as the relay's loop would on a notification or a timer.
class IdleFeed final : public DispatchFeed {
 public:
  Result<void> connect() override { return make_error(ErrorCode::unavailable, "idle"); }
  int socket() const override { return -1; }
  Result<FeedBatch> poll() override { return make_error(ErrorCode::unavailable, "idle"); }
  void disconnect() override {}
};

class PeerDispatchRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = open_store("sqlite::memory:");
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
    LocalAgents agents{[this](const std::string& h) { return here_.count(h) > 0; },
                       [this] { return std::vector<std::string>(here_.begin(), here_.end()); }};
    relay_ = std::make_unique<PeerDispatchRelay>(*store_, std::make_unique<IdleFeed>(), local_, agents);
    EngineOptions mine;
    mine.server_id = "here";
    engine_ = std::make_unique<Engine>(*store_, clock_, *relay_, metrics_, mine);
    relay_->attach(*engine_);
    EngineOptions theirs;
    theirs.server_id = "there";
    other_ = std::make_unique<Engine>(*store_, clock_, other_push_, other_metrics_, theirs);
  }

  int64_t create_on(Engine& engine, std::vector<std::string> hosts) {
    auto id = engine.create_task(sqlite::testing::make_spec("t", std::move(hosts)));
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : 0;
  }

  testing::FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::set<std::string> here_ = {"a"};
  testing::RecordingAgentPush local_;
  testing::RecordingAgentPush other_push_;
  EngineMetrics metrics_, other_metrics_;
  std::unique_ptr<PeerDispatchRelay> relay_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Engine> other_;
};

TEST_F(PeerDispatchRelayTest, ANotifiedHostGetsWhatTheOtherServerDispatchedOnce) {
  int64_t id = create_on(*other_, {"a", "b"});
  ASSERT_EQ(other_push_.assigns().size(), 2u);  // the other server pushed to nobody it has
  EXPECT_EQ(relay_->deliver({"a", "b"}), 1);    // b has no agent here
  ASSERT_EQ(local_.assigns().size(), 1u);
  EXPECT_EQ(local_.assigns()[0].host, "a");
  EXPECT_EQ(local_.assigns()[0].task_id, id);
  EXPECT_EQ(relay_->deliver({"a"}), 0);  // a repeated notification sends nothing again
  EXPECT_EQ(*relay_->catch_up(), 0);
}

TEST_F(PeerDispatchRelayTest, TheCheckSendsWhatAMissedNotificationCarriedAndNothingTwice) {
  create_on(*engine_, {"a"});  // pushed by this server: remembered
  ASSERT_EQ(local_.assigns().size(), 1u);
  EXPECT_EQ(*relay_->catch_up(), 0);

  int64_t id = create_on(*other_, {"a"});  // its notification is lost
  EXPECT_EQ(*relay_->catch_up(), 1);
  ASSERT_EQ(local_.assigns().size(), 2u);
  EXPECT_EQ(local_.assigns()[1].task_id, id);
  EXPECT_EQ(*relay_->catch_up(), 0);

  // A kill ordered on the other server, notification lost too.
  ASSERT_TRUE(other_->host_action(id, "a", HostAction::kill).ok());
  EXPECT_EQ(*relay_->catch_up(), 1);
  ASSERT_EQ(local_.kills().size(), 1u);
  EXPECT_EQ(local_.kills()[0].task_id, id);
  EXPECT_EQ(*relay_->catch_up(), 0);
}

TEST_F(PeerDispatchRelayTest, HostsWithoutAnAgentHereAreLeftAlone) {
  create_on(*other_, {"b"});
  EXPECT_EQ(relay_->deliver({"b"}), 0);
  EXPECT_EQ(*relay_->catch_up(), 0);
  EXPECT_TRUE(local_.sent.empty());
  // Once b has an agent here, the check covers it too.
  here_.insert("b");
  EXPECT_EQ(*relay_->catch_up(), 1);
}

}  // namespace
}  // namespace mend
