// SqliteStore as a whole: opening, migrations, transactions and locking.
#include <gtest/gtest.h>

#include "store/schema.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/test_support.hpp"
#include "testing/temp_dir.hpp"

namespace mend::sqlite {
namespace {

using testing::insert_task;
using testing::make_spec;
using testing::raw_sql;
using testing::task_total;

std::unique_ptr<SqliteStore> open_ok(const std::string& path, ConnectionOptions options = {}) {
  auto opened = SqliteStore::open(path, options);
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  return opened.ok() ? std::move(opened).value() : nullptr;
}

// Each test's database file, in a directory of its own.
class SqliteStoreLifecycle : public ::testing::Test {
 protected:
  mend::testing::TempDir dir;
  const std::string path = dir.file("mend.db").string();
};

TEST_F(SqliteStoreLifecycle, FileDatabaseIsWalAndKeepsDataAcrossReopen) {
  int64_t id = 0;
  {
    auto store = open_ok(path);
    ASSERT_TRUE(store);
    auto r = insert_task(*store, make_spec("kept", {"a", "b"}));
    ASSERT_TRUE(r.ok()) << r.error().message;
    id = *r;
  }
  EXPECT_EQ(raw_sql(path, "PRAGMA journal_mode"), "wal");
  const std::string applied =
      raw_sql(path, "SELECT group_concat(version || ':' || applied_ms) FROM schema_migrations");
  EXPECT_EQ(raw_sql(path, "SELECT MAX(version) FROM schema_migrations"),
            std::to_string(latest_schema_version()));

  auto store = open_ok(path);
  ASSERT_TRUE(store);
  // Reopening applies nothing: the migration rows are the same rows.
  EXPECT_EQ(
      raw_sql(path, "SELECT group_concat(version || ':' || applied_ms) FROM schema_migrations"),
      applied);
  EXPECT_EQ(raw_sql(path, "SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(schema_migrations().size()));
  auto r = store->read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(auto task, tx.find_task(id));
    EXPECT_TRUE(task.has_value());
    if (task) {
      EXPECT_EQ(task->spec.title, "kept");
    }
    MEND_ASSIGN_OR_RETURN(auto hosts, tx.task_hosts(id));
    EXPECT_EQ(hosts.size(), 2u);
    return ok();
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST_F(SqliteStoreLifecycle, NewerSchemaIsRefused) {
  ASSERT_TRUE(open_ok(path));
  raw_sql(path, "INSERT INTO schema_migrations(version, applied_ms) VALUES (" +
                    std::to_string(latest_schema_version() + 1) + ", 1)");
  auto opened = SqliteStore::open(path);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::unavailable);
  EXPECT_NE(opened.error().message.find("newer"), std::string::npos) << opened.error().message;
}

TEST_F(SqliteStoreLifecycle, UnopenablePathIsUnavailable) {
  auto opened = SqliteStore::open(dir.file("no/such/dir/mend.db").string());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::unavailable);
}

TEST_F(SqliteStoreLifecycle, WriterWaitsThenReportsUnavailableAndReadersSeeOnlyCommits) {
  auto a = open_ok(path, {.busy_timeout_ms = 50});
  auto b = open_ok(path, {.busy_timeout_ms = 50});
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(insert_task(*a, make_spec("committed", {"h"})).ok());

  Result<void> blocked;
  int64_t seen_by_reader = -1;
  auto r = a->transact([&](StoreTx& tx) -> Result<void> {
    MEND_TRY(tx.insert_task(make_spec("in flight", {"h"}), 1));
    blocked = b->transact([](StoreTx& tx2) { return tx2.set_done(1, true); });
    seen_by_reader = task_total(*b);
    return ok();
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, ErrorCode::unavailable) << blocked.error().message;
  EXPECT_EQ(seen_by_reader, 1);  // the uncommitted task is invisible
  EXPECT_EQ(task_total(*b), 2);
  // b recovered from the busy error.
  EXPECT_TRUE(b->transact([](StoreTx& tx) { return tx.set_done(1, true); }).ok());
}

TEST_F(SqliteStoreLifecycle, MissingActionRowIsReportedAndRepairedBySetAction) {
  auto store = open_ok(path);
  ASSERT_TRUE(store);
  int64_t id = *insert_task(*store, make_spec("orphan", {"h"}));
  // What Ibex's "record not found" looked like: the action row is gone.
  raw_sql(path, "DELETE FROM task_actions WHERE task_id = " + std::to_string(id));

  auto r = store->read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(auto counts, tx.counts());
    using Pairs = std::vector<std::pair<std::string, int64_t>>;
    EXPECT_EQ(counts.tasks_by_state, (Pairs{{"no_action", 1}}));
    auto task = tx.find_task(id);
    EXPECT_FALSE(task.ok());
    if (!task.ok()) {
      EXPECT_NE(task.error().message.find("no action row"), std::string::npos);
    }
    return ok();
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(
      store->transact([&](StoreTx& tx) { return tx.set_action(id, TaskAction::cancel, 9); }).ok());
  auto after = store->read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(auto task, tx.find_task(id));
    EXPECT_TRUE(task.has_value());
    if (task) {
      EXPECT_EQ(task->action, TaskAction::cancel);
    }
    return ok();
  });
  ASSERT_TRUE(after.ok()) << after.error().message;
}

TEST_F(SqliteStoreLifecycle, DispatchIdsAreNeverReused) {
  auto store = open_ok(path);
  ASSERT_TRUE(store);
  int64_t id = *insert_task(*store, make_spec("t", {"h"}));
  int64_t first = 0;
  ASSERT_TRUE(store
                  ->transact([&](StoreTx& tx) -> Result<void> {
                    MEND_ASSIGN_OR_RETURN(auto d, tx.start_dispatches(id, {"h"}, 1));
                    first = d.front().id;
                    return ok();
                  })
                  .ok());
  raw_sql(path, "DELETE FROM dispatches");
  ASSERT_TRUE(store
                  ->transact([&](StoreTx& tx) -> Result<void> {
                    MEND_ASSIGN_OR_RETURN(auto d, tx.start_dispatches(id, {"h"}, 2));
                    EXPECT_GT(d.front().id, first);
                    return ok();
                  })
                  .ok());
}

}  // namespace
}  // namespace mend::sqlite
