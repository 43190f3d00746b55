// read_on_pool with a real io_context, pool thread and SQLite file: while a
// read waits on the pool, the io thread goes on serving other work.
#include "api/read_on_pool.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "api/envelope.hpp"
#include "store/store.hpp"
#include "testing/temp_dir.hpp"

namespace mend {
namespace {

// Each call is one more connection to the file, as the server's readers are.
Result<std::unique_ptr<Store>> open_sqlite(const std::string& path) { return open_store("sqlite:" + path); }

TEST(ReadOnPool, TheIoThreadServesOtherWorkWhileAReadRunsOnThePool) {
  testing::TempDir dir;
  const std::string path = dir.file("mend.db").string();
  ASSERT_TRUE(open_sqlite(path).ok());
  ReadPool pool([&] { return open_sqlite(path); }, 1);
  asio::io_context ioc;
  std::promise<void> other_work_ran;
  auto other_work_done = other_work_ran.get_future().share();
  std::thread::id io_thread;
  std::thread::id read_thread;
  std::string answer;
  bool other_ran_first = false;

  asio::co_spawn(
      ioc,
      [&]() -> awaitable<void> {
        io_thread = std::this_thread::get_id();
        std::function<ApiResponse(Store&)> read = [&](Store& reader) {
          read_thread = std::this_thread::get_id();
          // Waits for the io thread to run the other coroutine: were the read
          // on the io thread, that could never happen (and the wait times out).
          if (other_work_done.wait_for(std::chrono::seconds(20)) != std::future_status::ready)
            return json_error(500, "the io thread was held by the read");
          int64_t n = -1;
          auto r = reader.read([&](StoreTx& tx) -> Result<void> {
            MEND_ASSIGN_OR_RETURN(auto ids, tx.unfinished_task_ids());
            n = static_cast<int64_t>(ids.size());
            return ok();
          });
          return r.ok() ? json_ok(n) : json_error(r.error());
        };
        ApiResponse res = co_await read_on_pool(pool, read);
        // Back on the io thread for the answer.
        EXPECT_EQ(std::this_thread::get_id(), io_thread);
        answer = res.body;
      },
      asio::detached);
  asio::co_spawn(
      ioc,
      [&]() -> awaitable<void> {
        other_ran_first = answer.empty();
        other_work_ran.set_value();
        co_return;
      },
      asio::detached);
  ioc.run();

  EXPECT_TRUE(other_ran_first);
  EXPECT_NE(read_thread, io_thread);
  EXPECT_EQ(answer, json_ok(0).body);
}

TEST(ReadOnPool, AReaderThatCannotBeOpenedAnswers503) {
  ReadPool pool([]() -> Result<std::unique_ptr<Store>> { return make_error(ErrorCode::unavailable, "no such file"); },
                1);
  asio::io_context ioc;
  ApiResponse res;
  bool read_ran = false;
  asio::co_spawn(
      ioc,
      [&]() -> awaitable<void> {
        std::function<ApiResponse(Store&)> read = [&](Store&) {
          read_ran = true;
          return json_ok(1);
        };
        res = co_await read_on_pool(pool, read);
      },
      asio::detached);
  ioc.run();
  EXPECT_FALSE(read_ran);
  EXPECT_EQ(res.status, 503);
  EXPECT_NE(res.body.find("no such file"), std::string::npos) << res.body;
}

}  // namespace
}  // namespace mend
