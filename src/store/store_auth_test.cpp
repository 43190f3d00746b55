// Users, sessions, tokens and the audit chain, on every backend
// (store/test_backends.hpp): the statements written once in auth_tx.cpp and
// audit_tx.cpp must mean the same on SQLite and PostgreSQL, and both must
// compute the same chain.
#include <gtest/gtest.h>

#include "store/audit_chain.hpp"
#include "store/group_tx.hpp"
#include "store/store.hpp"
#include "store/backend_store_test.hpp"
#include "store/test_backends.hpp"

namespace mend {
namespace {

class StoreAuthTest : public testing::BackendStoreTest {
 protected:
  AuditRecord record(const std::string& action, int64_t at) {
    AuditRecord r;
    r.at_ms = at;
    r.actor = "alice";
    r.actor_kind = "user";
    r.auth_method = "session";
    r.remote = "10.0.0.1";
    r.action = action;
    r.target = "id=1";
    r.summary = R"({"k":"v"})";
    r.outcome = "ok";
    return r;
  }

  std::vector<AuditRecord> all_audit() {
    std::vector<AuditRecord> out;
    EXPECT_TRUE(store_->read([&](StoreTx& tx) -> Result<void> {
      AuditQuery q;
      q.oldest_first = true;
      q.limit = 1000;
      MEND_ASSIGN_OR_RETURN(out, tx.list_audit(q));
      return ok();
    }).ok());
    return out;
  }

  AuditHead head() {
    AuditHead h;
    EXPECT_TRUE(store_->read([&](StoreTx& tx) -> Result<void> {
      MEND_ASSIGN_OR_RETURN(h, tx.audit_head());
      return ok();
    }).ok());
    return h;
  }

};

TEST_P(StoreAuthTest, UsersAreUniqueByNameAndUpdatable) {
  write([](StoreTx& tx) {
    StoredUser u{0, "alice", "user", "operator", "$argon2id$x", false, 5, 5};
    auto id = tx.insert_user(u);
    ASSERT_TRUE(id.ok()) << id.error().message;
    auto again = tx.insert_user(u);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::conflict);
    auto found = tx.find_user("alice");
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_EQ((*found)->role, "operator");
    StoredUser changed = **found;
    changed.role = "viewer";
    changed.disabled = true;
    changed.updated_ms = 9;
    ASSERT_TRUE(tx.update_user(changed).ok());
    auto by_id = tx.find_user_by_id(*id);
    ASSERT_TRUE(by_id.ok() && by_id->has_value());
    EXPECT_EQ((*by_id)->role, "viewer");
    EXPECT_TRUE((*by_id)->disabled);
    EXPECT_EQ(*tx.count_users(), 1);
    EXPECT_FALSE(tx.find_user("bob")->has_value());
  });
}

TEST_P(StoreAuthTest, GroupsAndGrantsArePutListedAndDeletedTogether) {
  write([](StoreTx& tx) {
    auto alice = tx.insert_user(StoredUser{0, "alice", "user", "operator", "", false, 1, 1});
    auto bob = tx.insert_user(StoredUser{0, "bob", "user", "operator", "", false, 1, 1});
    ASSERT_TRUE(alice.ok() && bob.ok());
    EXPECT_TRUE(*put_group(tx, StoredGroup{"web", "web-*,lb-01", "front", 5, 5}));
    EXPECT_TRUE(*put_group(tx, StoredGroup{"db", "db-0[1-3]", "", 6, 6}));
    // A second put replaces hosts and description, and keeps created_ms.
    EXPECT_FALSE(*put_group(tx, StoredGroup{"web", "web-*", "front ends", 7, 7}));
    auto web = find_group(tx, "web");
    ASSERT_TRUE(web.ok() && web->has_value());
    EXPECT_EQ((*web)->hosts, "web-*");
    EXPECT_EQ((*web)->description, "front ends");
    EXPECT_EQ((*web)->created_ms, 5);
    EXPECT_EQ((*web)->updated_ms, 7);
    auto all = list_groups(tx);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].name, "db");

    ASSERT_TRUE(put_grant(tx, "web", *alice, "read").ok());
    ASSERT_TRUE(put_grant(tx, "web", *alice, "write").ok());  // replaces
    ASSERT_TRUE(put_grant(tx, "db", *alice, "read").ok());
    ASSERT_TRUE(put_grant(tx, "web", *bob, "read").ok());
    auto of_alice = list_grants(tx, "", *alice);
    ASSERT_TRUE(of_alice.ok());
    ASSERT_EQ(of_alice->size(), 2u);
    EXPECT_EQ((*of_alice)[0].group, "db");
    EXPECT_EQ((*of_alice)[1].access, "write");
    EXPECT_EQ((*of_alice)[1].user_name, "alice");
    EXPECT_EQ(list_grants(tx, "web", 0)->size(), 2u);
    EXPECT_TRUE(*delete_grant(tx, "web", *bob));
    EXPECT_FALSE(*delete_grant(tx, "web", *bob));
    // Deleting a group takes its grants with it.
    EXPECT_TRUE(*delete_group(tx, "web"));
    EXPECT_FALSE(*delete_group(tx, "web"));
    EXPECT_EQ(list_grants(tx, "", *alice)->size(), 1u);
    EXPECT_FALSE(find_group(tx, "web")->has_value());
  });
}

TEST_P(StoreAuthTest, SessionsExpireAndEndWithTheirUser) {
  write([](StoreTx& tx) {
    int64_t uid = *tx.insert_user(StoredUser{0, "alice", "user", "admin", "h", false, 1, 1});
    ASSERT_TRUE(tx.insert_session(StoredSession{"s1", uid, "csrf1", "10.0.0.1", 100, 200, 100}).ok());
    ASSERT_TRUE(tx.insert_session(StoredSession{"s2", uid, "csrf2", "10.0.0.1", 100, 900, 100}).ok());
    auto s = tx.find_session("s1");
    ASSERT_TRUE(s.ok() && s->has_value());
    EXPECT_EQ((*s)->csrf_token, "csrf1");
    ASSERT_TRUE(tx.touch_session("s2", 150, 1000).ok());
    EXPECT_EQ((*tx.find_session("s2"))->expires_ms, 1000);
    EXPECT_EQ(*tx.delete_expired_sessions(500), 1);
    EXPECT_FALSE(tx.find_session("s1")->has_value());
    EXPECT_EQ(*tx.delete_user_sessions(uid), 1);
    EXPECT_FALSE(*tx.delete_session("s2"));
  });
}

TEST_P(StoreAuthTest, TokensAreFoundByHashRevokedOnceAndTouched) {
  write([](StoreTx& tx) {
    int64_t uid = *tx.insert_user(StoredUser{0, "am", "service", "operator", "", false, 1, 1});
    StoredToken t;
    t.user_id = uid;
    t.name = "alertmanager";
    t.prefix = "mend_abc";
    t.hash = "h1";
    t.scopes = "alert.post";
    t.created_ms = 10;
    t.expires_ms = 1000;
    auto id = tx.insert_token(t);
    ASSERT_TRUE(id.ok()) << id.error().message;
    auto found = tx.find_token_by_hash("h1");
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_EQ((*found)->user_name, "am");
    EXPECT_EQ((*found)->scopes, "alert.post");
    ASSERT_TRUE(tx.touch_token(*id, 50).ok());
    EXPECT_EQ((*tx.find_token(*id))->last_used_ms, 50);
    EXPECT_TRUE(*tx.revoke_token(*id, 60));
    EXPECT_FALSE(*tx.revoke_token(*id, 70));
    EXPECT_EQ((*tx.find_token(*id))->revoked_ms, 60);
    EXPECT_EQ(tx.list_tokens(uid)->size(), 1u);
    EXPECT_EQ(tx.list_tokens(0)->size(), 1u);
    EXPECT_TRUE(tx.list_tokens(uid + 1)->empty());
  });
}

TEST_P(StoreAuthTest, AuditRecordsChainAndVerify) {
  for (int i = 1; i <= 5; ++i) write([&](StoreTx& tx) { ASSERT_TRUE(tx.append_audit(record("task.create", i * 100)).ok()); });
  auto all = all_audit();
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].seq, 1);
  EXPECT_EQ(all[0].prev_hash, "");
  EXPECT_EQ(all[1].prev_hash, all[0].hash);
  EXPECT_EQ(all[4].hash, audit_record_hash(all[4]));
  EXPECT_TRUE(verify_audit_chain(all, head()).empty());

  // The same records give the same hashes on every backend.
  AuditRecord first = record("task.create", 100);
  first.seq = 1;
  EXPECT_EQ(all[0].hash, audit_record_hash(first));

  // Filters and paging.
  write([&](StoreTx& tx) { ASSERT_TRUE(tx.append_audit(record("session.create", 600)).ok()); });
  std::vector<AuditRecord> page;
  ASSERT_TRUE(store_->read([&](StoreTx& tx) -> Result<void> {
    AuditQuery q;
    q.action = "task.";
    q.limit = 2;
    q.before_seq = 5;
    MEND_ASSIGN_OR_RETURN(page, tx.list_audit(q));
    return ok();
  }).ok());
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].seq, 4);
  EXPECT_EQ(page[1].seq, 3);
}

TEST_P(StoreAuthTest, AnEditedOrDeletedRecordBreaksTheChain) {
  for (int i = 1; i <= 4; ++i) write([&](StoreTx& tx) { ASSERT_TRUE(tx.append_audit(record("rule.save", i)).ok()); });
  write([](StoreTx& tx) {
    ASSERT_TRUE(tx.query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2", {}).ok());
  });
  auto edited = verify_audit_chain(all_audit(), head());
  ASSERT_FALSE(edited.empty());
  EXPECT_EQ(edited[0].seq, 2);
  write([](StoreTx& tx) {
    ASSERT_TRUE(tx.query("UPDATE audit_log SET actor = 'alice' WHERE seq = 2", {}).ok());
    ASSERT_TRUE(tx.query("DELETE FROM audit_log WHERE seq = 3", {}).ok());
  });
  auto deleted = verify_audit_chain(all_audit(), head());
  ASSERT_FALSE(deleted.empty());
  EXPECT_EQ(deleted[0].seq, 4);
  write([](StoreTx& tx) { ASSERT_TRUE(tx.query("DELETE FROM audit_log WHERE seq = 4", {}).ok()); });
  auto newest_gone = verify_audit_chain(all_audit(), head());
  ASSERT_FALSE(newest_gone.empty());
}

TEST_P(StoreAuthTest, RetentionKeepsTheChainVerifiable) {
  for (int i = 1; i <= 5; ++i) write([&](StoreTx& tx) { ASSERT_TRUE(tx.append_audit(record("task.create", i * 100)).ok()); });
  write([](StoreTx& tx) { EXPECT_EQ(*tx.prune_audit_before(350), 3); });
  auto kept = all_audit();
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(head().pruned_seq, 3);
  EXPECT_TRUE(verify_audit_chain(kept, head()).empty());
  // The newest record is never pruned.
  write([](StoreTx& tx) { EXPECT_EQ(*tx.prune_audit_before(10'000), 1); });
  EXPECT_EQ(all_audit().size(), 1u);
  EXPECT_TRUE(verify_audit_chain(all_audit(), head()).empty());
  // Deleting the oldest kept record is still caught.
  write([&](StoreTx& tx) { ASSERT_TRUE(tx.append_audit(record("task.create", 20'000)).ok()); });
  write([](StoreTx& tx) { ASSERT_TRUE(tx.query("DELETE FROM audit_log WHERE seq = 5", {}).ok()); });
  EXPECT_FALSE(verify_audit_chain(all_audit(), head()).empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreAuthTest, ::testing::ValuesIn(testing::store_backends()),
                         testing::backend_name);

}  // namespace
}  // namespace mend
