// PgStore's lifecycle on a real PostgreSQL (MEND_TEST_PG_URL; run under
// scripts/with-postgres.sh): connection strings, migrations, transactions,
// row locks between servers, connection loss. What every StoreTx method
// does is in store/store_test.cpp, run on both backends.
#include "store/postgres/pg_store.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <set>
#include <thread>

#include "store/postgres/connection.hpp"
#include "store/schema.hpp"
#include "store/sqlite/test_support.hpp"
#include "store/test_backends.hpp"
#include "testing/fake_clock.hpp"

namespace mend {
namespace {

using sqlite::testing::insert_task;
using sqlite::testing::make_spec;
using sqlite::testing::task_total;

class PgStoreTest : public testing::PgDatabaseTest {
 protected:
  std::unique_ptr<PgStore> open_ok(const std::string& url, const PgOptions& options = {}) {
    auto opened = PgStore::open(url, options);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  // Runs SQL on the test database beside the store.
  std::string sql(const std::string& statement) { return testing::pg_sql(db_->url(), statement); }

  // Terminates the store connections whose application_name is `app`, and
  // waits until they are gone.
  void kill_connections(const std::string& app) {
    testing::pg_admin_sql(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '" +
        db_->pg_name() + "' AND application_name = '" + app + "'");
  }
};

// The test URL in libpq's key=value form.
std::string key_value_form(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  EXPECT_NE(opts, nullptr);
  std::string out;
  for (PQconninfoOption* o = opts; o != nullptr && o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    out += std::string(o->keyword) + "='" + o->val + "' ";
  }
  PQconninfoFree(opts);
  return out;
}

TEST_F(PgStoreTest, UriPostgresSchemeAndKeyValueFormsOpenOneDatabase) {
  auto uri = open_store(db_->url());
  ASSERT_TRUE(uri.ok()) << uri.error().message;
  ASSERT_TRUE(insert_task(**uri, make_spec("via uri", {"a"})).ok());

  std::string short_scheme = "postgres://" + db_->url().substr(std::string("postgresql://").size());
  auto via_short = open_store(short_scheme);
  ASSERT_TRUE(via_short.ok()) << via_short.error().message;
  EXPECT_EQ(task_total(**via_short), 1);

  auto via_kv = PgStore::open(key_value_form(db_->url()));
  ASSERT_TRUE(via_kv.ok()) << via_kv.error().message;
  EXPECT_EQ(task_total(**via_kv), 1);
}

// Statements planned at each run (lookups by a list of keys) take the same
// parameters, give the same rows and report errors as prepared ones do.
TEST_F(PgStoreTest, StatementsPlannedAtEachRunTakeParametersAndReportErrors) {
  auto conn = pg::Connection::open(db_->url(), "the test database");
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  ASSERT_TRUE((*conn)->exec_script("CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL)").ok());
  pg::Params rows;
  rows.add_array(std::vector<int64_t>{1, 2, 3}).add_array(std::vector<std::string>{"one", "two", "three"});
  ASSERT_TRUE((*conn)->exec("INSERT INTO t SELECT * FROM unnest($1::bigint[], $2::text[])", rows,
                            pg::Connection::Plan::per_run).ok());
  pg::Params wanted;
  wanted.add_array(std::vector<int64_t>{3, 1, 7});
  for (auto plan : {pg::Connection::Plan::per_run, pg::Connection::Plan::cached}) {
    auto found = (*conn)->exec("SELECT id, name FROM t WHERE id = ANY($1::bigint[]) ORDER BY id", wanted, plan);
    ASSERT_TRUE(found.ok()) << found.error().message;
    ASSERT_EQ(found->size(), 2);
    EXPECT_EQ(found->i64(0, 0), 1);
    EXPECT_EQ(found->text(1, 1), "three");
  }
  pg::Params duplicate;
  duplicate.add_array(std::vector<int64_t>{2}).add_array(std::vector<std::string>{"again"});
  auto refused = (*conn)->exec("INSERT INTO t SELECT * FROM unnest($1::bigint[], $2::text[])", duplicate,
                               pg::Connection::Plan::per_run);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::conflict) << refused.error().message;
}

TEST_F(PgStoreTest, MessagesNeverCarryThePassword) {
  // Nothing listens on port 1; trust authentication ignores the password.
  for (const std::string& url :
       {std::string("postgresql://mend:s3cret@127.0.0.1:1/mend"),
        std::string("postgres://mend:s3cret@127.0.0.1:1/mend?connect_timeout=2"),
        std::string("host=127.0.0.1 port=1 user=mend password=s3cret dbname=mend"),
        std::string("postgresql://mend:s3cret@127.0.0.1:notaport/mend"),
        std::string("host=127.0.0.1 password='s3cret")}) {
    auto r = open_store(url);
    auto direct = PgStore::open(url);
    ASSERT_FALSE(direct.ok()) << url;
    EXPECT_TRUE(direct.error().code == ErrorCode::unavailable ||
                direct.error().code == ErrorCode::invalid_input)
        << direct.error().message;
    EXPECT_EQ(direct.error().message.find("s3cret"), std::string::npos) << direct.error().message;
    if (!r.ok()) {
      EXPECT_EQ(r.error().message.find("s3cret"), std::string::npos) << r.error().message;
    }
  }
  auto refused = PgStore::open("postgresql://mend:s3cret@127.0.0.1:1/mend");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
  EXPECT_NE(refused.error().message.find("mend@127.0.0.1:1/mend"), std::string::npos)
      << refused.error().message;

  // A password that the server sees (in the URL of a working store) stays out
  // of the messages of a later connection loss too.
  std::string url = db_->url() + "&password=s3cret&application_name=victim";
  testing::FakeClock clock;
  auto store = open_ok(url, {.clock = &clock});
  ASSERT_TRUE(store);
  testing::pg_admin_sql("ALTER DATABASE " + db_->pg_name() + " ALLOW_CONNECTIONS false");
  kill_connections("victim");
  for (int i = 0; i < 3; ++i) {
    auto r = store->transact([](StoreTx& tx) -> Result<void> {
      MEND_TRY(tx.find_task(1));
      return ok();
    });
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message.find("s3cret"), std::string::npos) << r.error().message;
  }
  testing::pg_admin_sql("ALTER DATABASE " + db_->pg_name() + " ALLOW_CONNECTIONS true");
}

TEST_F(PgStoreTest, ServersStartingTogetherMigrateOnce) {
  constexpr int kServers = 6;
  std::vector<std::thread> threads;
  std::atomic<int> opened{0};
  std::vector<std::string> errors(kServers);
  for (int i = 0; i < kServers; ++i) {
    threads.emplace_back([&, i] {
      auto s = PgStore::open(db_->url());
      if (s.ok()) {
        ++opened;
      } else {
        errors[i] = s.error().message;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(opened.load(), kServers) << errors[0];
  EXPECT_EQ(sql("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(schema_migrations().size()));
  EXPECT_EQ(sql("SELECT MAX(version) FROM schema_migrations"),
            std::to_string(latest_schema_version()));
  // Opening again is a no-op.
  ASSERT_TRUE(open_ok(db_->url()));
  EXPECT_EQ(sql("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(schema_migrations().size()));
}

TEST_F(PgStoreTest, NewerSchemaIsRefused) {
  ASSERT_TRUE(open_ok(db_->url()));
  sql("INSERT INTO schema_migrations(version, applied_ms) VALUES (9999, 0)");
  auto r = PgStore::open(db_->url());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::unavailable);
  EXPECT_NE(r.error().message.find("newer than this Mend supports"), std::string::npos)
      << r.error().message;
}

TEST_F(PgStoreTest, AStatementErrorTheCallerIgnoresStillFailsTheTransaction) {
  // PostgreSQL aborts a transaction at its first failed statement; a COMMIT
  // after that rolls back quietly. transact() must say so, not return ok.
  auto store = open_ok(db_->url());
  ASSERT_TRUE(store);
  auto r = store->transact([&](StoreTx& tx) -> Result<void> {
    MEND_TRY(tx.insert_task(make_spec("first", {"a"}), 1));
    auto bad = tx.insert_task(make_spec("dup", {"h", "h"}), 1);
    EXPECT_FALSE(bad.ok());
    return ok();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("aborted by an earlier error"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(task_total(*store), 0);
}

TEST_F(PgStoreTest, TextColumnsRefuseNulAndInvalidUtf8AsInvalidInput) {
  // Scripts, their input and output are BYTEA (schema {{bytes}}): any bytes.
  // Names, titles and hosts are TEXT: PostgreSQL refuses a NUL byte or
  // invalid UTF-8 there, and the store says it is the input's fault.
  auto store = open_ok(db_->url());
  ASSERT_TRUE(store);
  TaskSpec nul_title = make_spec(std::string("a\0b", 3), {"h"});
  TaskSpec bad_utf8 = make_spec("bad \xff\xfe", {"h"});
  TaskSpec nul_host = make_spec("t", {std::string("h\0x", 3)});
  for (const TaskSpec& spec : {nul_title, bad_utf8, nul_host}) {
    auto r = insert_task(*store, spec);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::invalid_input) << r.error().message;
  }
  EXPECT_EQ(task_total(*store), 0);
}

TEST_F(PgStoreTest, ConnectionLossIsUnavailableAndTheStoreReconnectsWithBackoff) {
  testing::FakeClock clock;
  auto store = open_ok(db_->url() + "&application_name=victim",
                       // Each reconnect may take as long as it needs: this test is
                       // about the backoff, not about how long a call waits.
                       {.reconnect_min_ms = 100, .reconnect_max_ms = 400, .connect_wait_ms = 60'000, .clock = &clock});
  ASSERT_TRUE(store);
  int64_t id = *insert_task(*store, make_spec("t", {"a"}));

  // The database goes away in the middle of a transaction, and stays away.
  testing::pg_admin_sql("ALTER DATABASE " + db_->pg_name() + " ALLOW_CONNECTIONS false");
  auto mid = store->transact([&](StoreTx& tx) -> Result<void> {
    MEND_TRY(tx.set_action(id, TaskAction::pause, 2));
    kill_connections("victim");
    MEND_TRY(tx.set_done(id, true));
    return ok();
  });
  ASSERT_FALSE(mid.ok());
  EXPECT_EQ(mid.error().code, ErrorCode::unavailable);
  EXPECT_NE(mid.error().message.find("lost the connection to PostgreSQL"), std::string::npos)
      << mid.error().message;

  auto nothing = [](StoreTx&) { return ok(); };
  // The first call after the loss tries at once, and fails.
  auto first = store->read(nothing);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::unavailable);
  EXPECT_NE(first.error().message.find("cannot connect"), std::string::npos)
      << first.error().message;
  // Within the backoff, calls fail fast without trying.
  auto fast = store->transact(nothing);
  ASSERT_FALSE(fast.ok());
  EXPECT_EQ(fast.error().code, ErrorCode::unavailable);
  EXPECT_NE(fast.error().message.find("next reconnect attempt in 100 ms"), std::string::npos)
      << fast.error().message;
  clock.advance_ms(100);
  auto second = store->read(nothing);  // tries again, fails, backoff doubles
  ASSERT_FALSE(second.ok());
  clock.advance_ms(100);
  auto still = store->read(nothing);
  ASSERT_FALSE(still.ok());
  EXPECT_NE(still.error().message.find("next reconnect attempt in 100 ms"), std::string::npos)
      << still.error().message;

  // The database returns: after the backoff the store is back by itself, and
  // the interrupted transaction left nothing behind.
  testing::pg_admin_sql("ALTER DATABASE " + db_->pg_name() + " ALLOW_CONNECTIONS true");
  clock.advance_ms(100);
  auto back = store->read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(auto t, tx.find_task(id));
    EXPECT_TRUE(t.has_value());
    if (t) {
      EXPECT_EQ(t->action, TaskAction::start);
      EXPECT_FALSE(t->done);
    }
    return ok();
  });
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_TRUE(insert_task(*store, make_spec("after", {"a"})).ok());
}

TEST_F(PgStoreTest, ConnectionThatDiedWhileIdleIsReplacedWithoutAnError) {
  // A PostgreSQL restart between two calls: nothing of the next call had run,
  // so the store connects again and the call succeeds.
  auto store = open_ok(db_->url() + "&application_name=idle_victim", {.connect_wait_ms = 60'000});
  ASSERT_TRUE(store);
  ASSERT_TRUE(insert_task(*store, make_spec("before", {"a"})).ok());
  kill_connections("idle_victim");
  auto r = insert_task(*store, make_spec("after", {"a"}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(task_total(*store), 2);
}

TEST_F(PgStoreTest, WritersOnOneTaskFromTwoServersLoseNoUpdate) {
  // Each transaction reads the host row and writes it back longer: at READ
  // COMMITTED without the task lock, concurrent ones would overwrite each other.
  auto first = open_ok(db_->url());
  auto second = open_ok(db_->url());
  ASSERT_TRUE(first && second);
  int64_t id = *insert_task(*first, make_spec("t", {"a"}));
  constexpr int kRounds = 40;
  auto append = [&](Store& store, char mark) {
    for (int i = 0; i < kRounds; ++i) {
      auto r = store.transact([&](StoreTx& tx) -> Result<void> {
        MEND_ASSIGN_OR_RETURN(auto task, tx.find_task(id));
        MEND_ASSIGN_OR_RETURN(auto host, tx.find_host(id, "a"));
        if (!task || !host) return make_error(ErrorCode::not_found, "gone");
        host->stdout_text += mark;
        return tx.update_host(*host);
      });
      EXPECT_TRUE(r.ok()) << r.error().message;
    }
  };
  std::thread a([&] { append(*first, 'a'); });
  std::thread b([&] { append(*second, 'b'); });
  a.join();
  b.join();
  auto check = first->read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(auto host, tx.find_host(id, "a"));
    EXPECT_EQ(host->stdout_text.size(), size_t{2 * kRounds});
    return ok();
  });
  ASSERT_TRUE(check.ok()) << check.error().message;
}

TEST_F(PgStoreTest, HealDecisionsAboutOneRuleFromTwoServersTakeTurns) {
  // Each transaction counts the rule's runs and records one more, numbered by
  // what it counted: two servers deciding at once (an HA pair of
  // Alertmanagers sends every alert to both) must not both see the same count.
  auto first = open_ok(db_->url());
  auto second = open_ok(db_->url());
  ASSERT_TRUE(first && second);
  constexpr int kRounds = 40;
  auto decide = [&](Store& store) {
    for (int i = 0; i < kRounds; ++i) {
      auto r = store.transact([&](StoreTx& tx) -> Result<void> {
        MEND_ASSIGN_OR_RETURN(int64_t runs, tx.count_heal_runs_since("r", 0));
        MEND_ASSIGN_OR_RETURN(int64_t event_id, tx.insert_alert_event(sqlite::testing::make_alert_event("fp")));
        auto rec = sqlite::testing::make_heal_record(event_id, "r", "h", "fp", "ran", std::to_string(runs), 1000);
        MEND_TRY(tx.insert_heal_record(rec));
        return ok();
      });
      EXPECT_TRUE(r.ok()) << r.error().message;
    }
  };
  std::thread a([&] { decide(*first); });
  std::thread b([&] { decide(*second); });
  a.join();
  b.join();
  EXPECT_EQ(sql("SELECT COUNT(DISTINCT reason) FROM heal_records"), std::to_string(2 * kRounds));
}

// Waits up to 10 s for notifications on `feed` until `want` of them arrived.
FeedBatch wait_for_notifications(DispatchFeed& feed, int want) {
  FeedBatch all;
  std::set<std::string> hosts;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (all.notifications < want && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{feed.socket(), POLLIN, 0};
    ::poll(&pfd, 1, 100);
    auto batch = feed.poll();
    EXPECT_TRUE(batch.ok()) << batch.error().message;
    if (!batch.ok()) break;
    all.notifications += batch->notifications;
    all.all = all.all || batch->all;
    hosts.insert(batch->hosts.begin(), batch->hosts.end());
  }
  all.hosts.assign(hosts.begin(), hosts.end());
  return all;
}

TEST_F(PgStoreTest, ACommitNotifiesOtherServersOnceAndARollbackNotAtAll) {
  auto first = open_ok(db_->url());
  auto second = open_ok(db_->url());
  ASSERT_TRUE(first && second);
  auto own_feed = first->open_dispatch_feed();
  auto feed = second->open_dispatch_feed();
  ASSERT_TRUE(own_feed && feed);
  ASSERT_TRUE(own_feed->connect().ok());
  auto connected = feed->connect();
  ASSERT_TRUE(connected.ok()) << connected.error().message;

  auto notify = [&](Store& store, std::vector<std::string> a, std::vector<std::string> b, bool commit) {
    return store.transact([&](StoreTx& tx) -> Result<void> {
      MEND_TRY(tx.notify_peers(a));
      MEND_TRY(tx.notify_peers(b));
      if (!commit) return make_error(ErrorCode::conflict, "roll back");
      return ok();
    });
  };
  EXPECT_FALSE(notify(*first, {"rolled-back"}, {}, false).ok());
  ASSERT_TRUE(notify(*first, {"a", "b"}, {"b", "c"}, true).ok());
  FeedBatch got = wait_for_notifications(*feed, 1);
  EXPECT_EQ(got.notifications, 1);  // two calls, one transaction, one notification
  EXPECT_EQ(got.hosts, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_FALSE(got.all);

  // The sender's own feed skips its notice and hears the other store's,
  // which PostgreSQL queues after it.
  ASSERT_TRUE(notify(*second, {"from-second"}, {}, true).ok());
  FeedBatch own = wait_for_notifications(*own_feed, 1);
  EXPECT_EQ(own.hosts, (std::vector<std::string>{"from-second"}));

  // A lost listener connection is reported, and a new one hears again.
  kill_connections("mend");
  bool lost = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!lost && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{feed->socket(), POLLIN, 0};
    ::poll(&pfd, 1, 100);
    lost = !feed->poll().ok();
  }
  ASSERT_TRUE(lost);
  feed->disconnect();
  EXPECT_EQ(feed->socket(), -1);
  ASSERT_TRUE(feed->connect().ok());
  ASSERT_TRUE(notify(*first, {"after"}, {}, true).ok());
  EXPECT_EQ(wait_for_notifications(*feed, 1).hosts, (std::vector<std::string>{"after"}));
}

TEST_F(PgStoreTest, DeadlockIsResolvedByRunningTheTransactionAgain) {
  auto first = open_ok(db_->url());
  auto second = open_ok(db_->url());
  ASSERT_TRUE(first && second);
  int64_t t1 = *insert_task(*first, make_spec("t1", {"a"}));
  int64_t t2 = *insert_task(*first, make_spec("t2", {"a"}));
  std::atomic<int> runs{0};
  std::atomic<int> holding{0};
  // Each locks one task, waits until the other holds its own, then asks for
  // the other's: PostgreSQL aborts one of them (rarely both) with 40P01.
  auto cross = [&](Store& store, int64_t mine, int64_t theirs) {
    bool waited = false;
    return store.transact([&](StoreTx& tx) -> Result<void> {
      ++runs;
      MEND_TRY(tx.find_task(mine));
      if (!waited) {
        waited = true;
        ++holding;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (holding.load() < 2 && std::chrono::steady_clock::now() < deadline)
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      MEND_TRY(tx.find_task(theirs));
      return tx.set_action(mine, TaskAction::pause, 7);
    });
  };
  Result<void> ra, rb;
  std::thread a([&] { ra = cross(*first, t1, t2); });
  std::thread b([&] { rb = cross(*second, t2, t1); });
  a.join();
  b.join();
  EXPECT_TRUE(ra.ok()) << ra.error().message;
  EXPECT_TRUE(rb.ok()) << rb.error().message;
  // At least one of them ran again. On a loaded machine both backends' deadlock
  // checks can find the cycle before either aborts, and both run again.
  EXPECT_GE(runs.load(), 3);
  EXPECT_LE(runs.load(), 4);
  EXPECT_EQ(sql("SELECT COUNT(*) FROM task_actions WHERE action = 'pause'"), "2");
}

}  // namespace
}  // namespace mend
