#include "dispatch/agent_presence.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "store/backend_store_test.hpp"
#include "store/test_backends.hpp"
#include "testing/fake_clock.hpp"

namespace mend {
namespace {

class Conn : public AgentConnection {
 public:
  explicit Conn(proto::Labels labels) : labels_(std::move(labels)) {}
  void send(std::string) override {}
  void close() override {}
  std::string remote() const override { return "10.0.0.9:4000"; }
  std::string version() const override { return "9.9"; }
  proto::Labels labels() const override { return labels_; }

 private:
  proto::Labels labels_;
};

// Two servers on one database, each with its hub and its presence writer.
class AgentPresenceTest : public testing::BackendStoreTest {
 protected:
  void SetUp() override {
    clock_.set_ms(1'000'000);
    BackendStoreTest::SetUp();
    if (HasFatalFailure()) return;
    a_ = std::make_unique<AgentPresence>(*store_, hub_a_, clock_, "A", std::chrono::seconds(5));
    b_ = std::make_unique<AgentPresence>(*store_, hub_b_, clock_, "B", std::chrono::seconds(5));
    ASSERT_TRUE(a_->start().ok());
    ASSERT_TRUE(b_->start().ok());
  }

  static std::vector<std::string> idents(const Result<std::vector<AgentInfo>>& agents) {
    std::vector<std::string> out;
    EXPECT_TRUE(agents.ok());
    if (!agents.ok()) return out;
    for (const auto& a : *agents) out.push_back(a.ident + "@" + a.server);
    std::sort(out.begin(), out.end());
    return out;
  }

  // Every server's presence rows, as stored.
  std::vector<PresenceRow> presence() {
    std::vector<PresenceRow> out;
    EXPECT_TRUE(store_->read([&](StoreTx& tx) -> Result<void> {
      MEND_ASSIGN_OR_RETURN(out, list_presence(tx, 0));
      return ok();
    }).ok());
    return out;
  }
  size_t rows() { return presence().size(); }

  testing::FakeClock clock_;
  AgentHub hub_a_{clock_};
  AgentHub hub_b_{clock_};
  std::unique_ptr<AgentPresence> a_;
  std::unique_ptr<AgentPresence> b_;
};

using V = std::vector<std::string>;

TEST_P(AgentPresenceTest, EachServerListsTheWholeFleetWithLabels) {
  auto web1 = std::make_shared<Conn>(proto::Labels{{"env", "prod"}});
  auto db1 = std::make_shared<Conn>(proto::Labels{{"env", "dev"}, {"team", "db"}});
  ASSERT_TRUE(hub_a_.attach("web1", web1).ok());
  ASSERT_TRUE(hub_b_.attach("db1", db1).ok());
  // Before the tick each server knows only its own.
  EXPECT_EQ(idents(a_->fleet()), (V{"web1@A"}));
  EXPECT_EQ(a_->queued(), 1u);
  a_->tick();
  b_->tick();
  EXPECT_EQ(a_->queued(), 0u);
  EXPECT_EQ(idents(a_->fleet()), (V{"db1@B", "web1@A"}));
  EXPECT_EQ(idents(b_->fleet()), (V{"db1@B", "web1@A"}));
  auto fleet = a_->fleet();
  ASSERT_TRUE(fleet.ok());
  for (const auto& a : *fleet)
    if (a.ident == "db1") {
      EXPECT_EQ(a.labels, (proto::Labels{{"env", "dev"}, {"team", "db"}}));
      EXPECT_EQ(a.version, "9.9");
      EXPECT_EQ(a.remote, "10.0.0.9:4000");
    }
  auto labels = a_->labels_of({"web1", "db1", "nosuch"});
  ASSERT_TRUE(labels.ok());
  EXPECT_EQ(labels->size(), 2u);
  EXPECT_EQ(labels->at("db1").at("team"), "db");

  // db1 leaves B: gone from A's list after B's next tick.
  hub_b_.detach("db1", db1.get());
  b_->tick();
  EXPECT_EQ(idents(a_->fleet()), (V{"web1@A"}));
}

TEST_P(AgentPresenceTest, ACrashedServersAgentsGoStaleAndAnOrderlyStopRemovesThemAtOnce) {
  auto web1 = std::make_shared<Conn>(proto::Labels{});
  auto db1 = std::make_shared<Conn>(proto::Labels{});
  ASSERT_TRUE(hub_a_.attach("web1", web1).ok());
  ASSERT_TRUE(hub_b_.attach("db1", db1).ok());
  a_->tick();
  b_->tick();
  // B stops ticking (crashed); A keeps refreshing its own rows.
  for (int i = 0; i < 3; ++i) {
    clock_.advance_ms(5000);
    a_->tick();
  }
  EXPECT_EQ(idents(a_->fleet()), (V{"db1@B", "web1@A"})) << "within three refresh periods it still counts";
  clock_.advance_ms(1000);
  a_->tick();
  EXPECT_EQ(idents(a_->fleet()), (V{"web1@A"})) << "older than three refresh periods: disconnected";
  EXPECT_TRUE(a_->labels_of({"db1"})->empty());
  // The same server id started again clears what its crash left.
  AgentPresence b_again(*store_, hub_b_, clock_, "B");
  ASSERT_TRUE(b_again.start().ok());
  EXPECT_EQ(rows(), 1u);
  a_->stop();
  EXPECT_EQ(rows(), 0u);
}

TEST_P(AgentPresenceTest, IdleTicksWriteNothingUntilTheRefreshIsDue) {
  auto web1 = std::make_shared<Conn>(proto::Labels{});
  ASSERT_TRUE(hub_a_.attach("web1", web1).ok());
  a_->tick();
  int64_t first_seen = 0;
  auto seen = [&] {
    auto stored = presence();
    return stored.empty() ? int64_t{-1} : stored[0].last_seen_ms;
  };
  first_seen = seen();
  clock_.advance_ms(4000);
  a_->tick();
  EXPECT_EQ(seen(), first_seen);
  clock_.advance_ms(1000);
  a_->tick();
  EXPECT_EQ(seen(), first_seen + 5000);
}

INSTANTIATE_TEST_SUITE_P(Backends, AgentPresenceTest, ::testing::ValuesIn(testing::store_backends()),
                         testing::backend_name);

}  // namespace
}  // namespace mend

namespace mend {
namespace {

TEST_P(AgentPresenceTest, AReconnectStormIsWrittenOverSeveralTicks) {
  std::vector<std::shared_ptr<Conn>> conns;
  const size_t n = AgentPresence::kMaxWritesPerTick + 10;
  for (size_t i = 0; i < n; ++i) {
    conns.push_back(std::make_shared<Conn>(proto::Labels{}));
    ASSERT_TRUE(hub_a_.attach("h" + std::to_string(i), conns.back()).ok());
  }
  a_->tick();
  EXPECT_EQ(rows(), AgentPresence::kMaxWritesPerTick);
  EXPECT_EQ(a_->queued(), 10u);
  a_->tick();
  EXPECT_EQ(rows(), n);
  EXPECT_EQ(a_->queued(), 0u);
}

}  // namespace
}  // namespace mend
