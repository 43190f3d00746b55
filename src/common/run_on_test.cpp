#include "common/run_on.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>

namespace mend {
namespace {

// An io_context run by a thread of its own until the test ends.
struct Worker {
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> busy = asio::make_work_guard(ioc);
  std::thread thread{[this] { ioc.run(); }};
  ~Worker() {
    busy.reset();
    thread.join();
  }
};

TEST(RunOn, RunsOnTheOtherExecutorAndResumesOnTheCallers) {
  Worker state;
  asio::io_context network{1};
  std::thread::id computed_on, resumed_on;
  int answer = 0;
  std::string thrown;
  asio::co_spawn(
      network,
      [&]() -> awaitable<void> {
        auto ask = run_on(state.ioc.get_executor(), [&] {
          computed_on = std::this_thread::get_id();
          return 42;
        });
        answer = co_await std::move(ask);
        resumed_on = std::this_thread::get_id();
        auto fail = run_on(state.ioc.get_executor(), []() -> int { throw std::runtime_error("refused"); });
        try {
          co_await std::move(fail);
        } catch (const std::exception& e) {
          thrown = e.what();
        }
      },
      asio::detached);
  network.run();
  EXPECT_EQ(answer, 42);
  EXPECT_EQ(computed_on, state.thread.get_id());
  EXPECT_EQ(resumed_on, std::this_thread::get_id());
  EXPECT_EQ(thrown, "refused");
}

}  // namespace
}  // namespace mend
