// The agent_presence table on every backend (store/test_backends.hpp): the
// statements written once in presence_tx.cpp must mean the same on both.
#include <gtest/gtest.h>

#include "store/backend_store_test.hpp"
#include "store/presence_tx.hpp"
#include "store/store.hpp"
#include "store/test_backends.hpp"

namespace mend {
namespace {

class StorePresenceTest : public testing::BackendStoreTest {
 protected:
  std::vector<PresenceRow> listed(int64_t since) {
    std::vector<PresenceRow> out;
    EXPECT_TRUE(store_->read([&](StoreTx& tx) -> Result<void> {
      MEND_ASSIGN_OR_RETURN(out, list_presence(tx, since));
      return ok();
    }).ok());
    return out;
  }

  // The one number a SELECT COUNT(*) reads.
  int64_t raw_count(const std::string& sql) {
    int64_t n = -1;
    read([&](StoreTx& tx) {
      auto r = tx.query(sql, {});
      ASSERT_TRUE(r.ok()) << r.error().message;
      n = r->i64(0, 0);
    });
    return n;
  }

  static PresenceRow row(std::string host, std::string server, int64_t at) {
    return PresenceRow{std::move(host), std::move(server), {{"env", "prod"}, {"note", "quote \" and é"}},
                       "1.2", "10.0.0.1:5", "enrolled", at, at};
  }
};

TEST_P(StorePresenceTest, RowsArePutReadAndReplaced) {
  write([&](StoreTx& tx) {
    ASSERT_TRUE(put_presence(tx, row("web1", "A", 1000)).ok());
    ASSERT_TRUE(put_presence(tx, row("web2", "B", 1000)).ok());
  });
  auto rows = listed(0);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].host, "web1");
  EXPECT_EQ(rows[0].server_id, "A");
  EXPECT_EQ(rows[0].labels, (std::map<std::string, std::string>{{"env", "prod"}, {"note", "quote \" and é"}}));
  EXPECT_EQ(rows[0].version, "1.2");
  EXPECT_EQ(rows[0].remote, "10.0.0.1:5");
  EXPECT_EQ(rows[0].identity, "enrolled");
  EXPECT_EQ(rows[0].connected_ms, 1000);
  // The agent moved to server B: its row is B's now, and A's late goodbye leaves it.
  write([&](StoreTx& tx) {
    auto moved = row("web1", "B", 2000);
    moved.labels = {};
    ASSERT_TRUE(put_presence(tx, moved).ok());
    ASSERT_TRUE(delete_presence(tx, "web1", "A").ok());
  });
  rows = listed(0);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].server_id, "B");
  EXPECT_TRUE(rows[0].labels.empty());
  write([&](StoreTx& tx) { ASSERT_TRUE(delete_presence(tx, "web1", "B").ok()); });
  EXPECT_EQ(listed(0).size(), 1u);
}

TEST_P(StorePresenceTest, OneHeartbeatRefreshesAServersRowsAndStaleOnesDropOut) {
  write([&](StoreTx& tx) {
    ASSERT_TRUE(put_presence(tx, row("a1", "A", 1000)).ok());
    ASSERT_TRUE(put_presence(tx, row("a2", "A", 1000)).ok());
    ASSERT_TRUE(put_presence(tx, row("b1", "B", 1000)).ok());
    ASSERT_TRUE(refresh_presence(tx, "B", 2000).ok());
  });
  write([&](StoreTx& tx) { ASSERT_TRUE(refresh_presence(tx, "A", 5000).ok()); });
  // A's heartbeat is one row, not a write to each of its agents' rows.
  EXPECT_EQ(raw_count("SELECT COUNT(*) FROM presence_servers"), 2);
  EXPECT_EQ(raw_count("SELECT COUNT(*) FROM agent_presence WHERE last_seen_ms = 5000"), 0);
  // B stopped refreshing (it crashed): readers asking for rows seen since 4000 miss it.
  auto fresh = listed(4000);
  ASSERT_EQ(fresh.size(), 2u);
  EXPECT_EQ(fresh[0].host, "a1");
  EXPECT_EQ(fresh[0].last_seen_ms, 5000);
  EXPECT_EQ(fresh[1].host, "a2");
  std::map<std::string, std::map<std::string, std::string>> labels;
  ASSERT_TRUE(store_->read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(labels, presence_labels(tx, {"a1", "b1", "nosuch"}, 4000));
    return ok();
  }).ok());
  EXPECT_EQ(labels.size(), 1u);
  EXPECT_EQ(labels["a1"].at("env"), "prod");
  write([&](StoreTx& tx) {
    auto pruned = prune_presence(tx, 4000);
    ASSERT_TRUE(pruned.ok());
    EXPECT_EQ(*pruned, 1);
    auto gone = delete_server_presence(tx, "A");
    ASSERT_TRUE(gone.ok());
    EXPECT_EQ(*gone, 2);
  });
  EXPECT_TRUE(listed(0).empty());
  EXPECT_EQ(raw_count("SELECT COUNT(*) FROM presence_servers"), 0);
}

// A server of an earlier version sharing the database has no heartbeat row:
// it refreshes its agents' rows themselves, and those still count as seen.
TEST_P(StorePresenceTest, RowsAServerWithoutAHeartbeatRefreshesStayListedAndArePrunedByTheirOwnTime) {
  write([&](StoreTx& tx) {
    ASSERT_TRUE(put_presence(tx, row("old1", "Old", 5000)).ok());
    ASSERT_TRUE(put_presence(tx, row("old2", "Old", 1000)).ok());
    ASSERT_TRUE(put_presence(tx, row("new1", "New", 1000)).ok());
    ASSERT_TRUE(refresh_presence(tx, "New", 6000).ok());
  });
  auto fresh = listed(4000);
  ASSERT_EQ(fresh.size(), 2u);
  EXPECT_EQ(fresh[0].host, "new1");
  EXPECT_EQ(fresh[0].last_seen_ms, 6000);
  EXPECT_EQ(fresh[1].host, "old1");
  EXPECT_EQ(fresh[1].last_seen_ms, 5000);
  write([&](StoreTx& tx) {
    auto pruned = prune_presence(tx, 4000);
    ASSERT_TRUE(pruned.ok());
    EXPECT_EQ(*pruned, 1);  // old2: neither its row nor a heartbeat is recent
  });
  EXPECT_EQ(listed(0).size(), 2u);
}

TEST_P(StorePresenceTest, LabelsOfManyHostsAreReadInSlices) {
  std::vector<std::string> hosts;
  write([&](StoreTx& tx) {
    for (int i = 0; i < 1200; ++i) {
      hosts.push_back("h" + std::to_string(i));
      ASSERT_TRUE(put_presence(tx, row(hosts.back(), "A", 1000)).ok());
    }
  });
  std::map<std::string, std::map<std::string, std::string>> labels;
  ASSERT_TRUE(store_->read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(labels, presence_labels(tx, hosts, 0));
    return ok();
  }).ok());
  EXPECT_EQ(labels.size(), 1200u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StorePresenceTest, ::testing::ValuesIn(testing::store_backends()),
                         testing::backend_name);

}  // namespace
}  // namespace mend
