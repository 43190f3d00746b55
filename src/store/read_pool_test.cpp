// ReadPool on real SQLite files: jobs run on the pool's threads with their
// own connection, see what the writer committed, and are all answered.
#include "store/read_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "store/store.hpp"
#include "testing/temp_dir.hpp"

namespace mend {
namespace {

// Each call is one more connection to the file, as the server's readers are.
Result<std::unique_ptr<Store>> open_sqlite(const std::string& path) { return open_store("sqlite:" + path); }

int64_t write_task(Store& store, const std::string& title) {
  int64_t id = 0;
  auto r = store.transact([&](StoreTx& tx) -> Result<void> {
    TaskSpec spec;
    spec.title = title;
    spec.script = "true";
    spec.hosts = {"h1"};
    MEND_ASSIGN_OR_RETURN(id, tx.insert_task(spec, 1));
    return ok();
  });
  EXPECT_TRUE(r.ok()) << r.error().message;
  return id;
}

std::string title_of(Store& store, int64_t id) {
  std::string title;
  auto r = store.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(auto task, tx.find_task(id));
    if (task) title = task->spec.title;
    return ok();
  });
  return r.ok() ? title : "error: " + r.error().message;
}

TEST(ReadPool, JobsReadWhatTheWriterCommittedOnThePoolsOwnConnections) {
  testing::TempDir dir;
  const std::string path = dir.file("mend.db").string();
  auto writer = open_sqlite(path);
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  std::atomic<int> opened{0};
  std::vector<std::promise<std::string>> answers(20);
  std::vector<int64_t> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(write_task(**writer, "task " + std::to_string(i)));
  {
    ReadPool pool(
        [&] {
          ++opened;
          return open_sqlite(path);
        },
        2);
    const auto here = std::this_thread::get_id();
    for (int i = 0; i < 20; ++i) {
      pool.submit([&, i](Result<Store*> reader) {
        if (!reader.ok() || std::this_thread::get_id() == here) {
          answers[i].set_value("wrong");
          return;
        }
        answers[i].set_value(title_of(**reader, ids[i]));
      });
    }
    for (int i = 0; i < 20; ++i) EXPECT_EQ(answers[i].get_future().get(), "task " + std::to_string(i));
  }
  // One connection a thread, opened when it first had work.
  EXPECT_GE(opened.load(), 1);
  EXPECT_LE(opened.load(), 2);
}

TEST(ReadPool, AReaderThatCannotBeOpenedFailsThatJobAndTheNextTriesAgain) {
  testing::TempDir dir;
  const std::string path = dir.file("mend.db").string();
  auto writer = open_sqlite(path);
  ASSERT_TRUE(writer.ok());
  const int64_t id = write_task(**writer, "later");
  int attempts = 0;
  std::promise<std::string> first;
  std::promise<std::string> second;
  {
    ReadPool pool(
        [&]() -> Result<std::unique_ptr<Store>> {
          if (++attempts == 1) return make_error(ErrorCode::unavailable, "database is down");
          return open_sqlite(path);
        },
        1);
    pool.submit([&](Result<Store*> reader) {
      first.set_value(reader.ok() ? "opened" : reader.error().message);
    });
    pool.submit([&](Result<Store*> reader) {
      second.set_value(reader.ok() ? title_of(**reader, id) : reader.error().message);
    });
    EXPECT_EQ(first.get_future().get(), "database is down");
    EXPECT_EQ(second.get_future().get(), "later");
  }
  EXPECT_EQ(attempts, 2);
}

TEST(ReadPool, JobsAlreadySubmittedRunBeforeTheDestructorReturns) {
  testing::TempDir dir;
  const std::string path = dir.file("mend.db").string();
  ASSERT_TRUE(open_sqlite(path).ok());
  std::atomic<int> ran{0};
  {
    ReadPool pool([&] { return open_sqlite(path); }, 1);
    for (int i = 0; i < 50; ++i)
      pool.submit([&](Result<Store*> reader) {
        if (reader.ok()) ++ran;
      });
  }
  EXPECT_EQ(ran.load(), 50);
}

}  // namespace
}  // namespace mend
