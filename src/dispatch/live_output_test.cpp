// LiveOutput against a real engine and in-memory store: watchers see every
// update at once, the database only the throttled writes.
#include "dispatch/live_output.hpp"

#include <gtest/gtest.h>

#include "store/sqlite/test_support.hpp"
#include "testing/fake_clock.hpp"
#include "testing/recording_agent_push.hpp"

namespace mend {
namespace {

using sqlite::testing::make_spec;

class LiveOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store = std::move(open_store("sqlite::memory:")).value();
    engine = std::make_unique<Engine>(*store, clock, push, metrics);
    ASSERT_TRUE(engine->create_task(make_spec("t", {"a"})).ok());
    ASSERT_EQ(push.assigns().size(), 1u);
    dispatch = push.assigns()[0].dispatch_id;
  }
  std::string stored_stdout() {
    std::optional<HostRun> run;
    EXPECT_TRUE(store
                    ->read([&](StoreTx& tx) -> Result<void> {
                      MEND_ASSIGN_OR_RETURN(run, tx.find_host(push.assigns()[0].task_id, "a"));
                      return ok();
                    })
                    .ok());
    return run ? run->stdout_text : "?";
  }
  testing::FakeClock clock;
  testing::RecordingAgentPush push;
  EngineMetrics metrics;
  std::unique_ptr<Store> store;
  std::unique_ptr<Engine> engine;
  int64_t dispatch = 0;
  asio::io_context io;
};

TEST_F(LiveOutputTest, WatchersSeeEveryUpdateAndTheDatabaseTheThrottledOnes) {
  // An hour between writes: only the first update and stop()'s flush write.
  LiveOutput live(io.get_executor(), *engine, std::chrono::hours(1));
  int woken = 0;
  uint64_t w = live.subscribe([&] { ++woken; });
  live.update("a", {dispatch, "one\n", ""});
  EXPECT_EQ(stored_stdout(), "one\n");
  live.update("a", {dispatch, "one\ntwo\n", ""});
  EXPECT_EQ(woken, 2);
  ASSERT_NE(live.find(dispatch, "a"), nullptr);
  EXPECT_EQ(live.find(dispatch, "a")->stdout_text, "one\ntwo\n");
  EXPECT_EQ(stored_stdout(), "one\n");
  // Another agent cannot replace what watchers see.
  live.update("b", {dispatch, "forged", ""});
  EXPECT_EQ(live.find(dispatch, "a")->stdout_text, "one\ntwo\n");
  EXPECT_EQ(live.find(dispatch, "b"), nullptr);
  live.unsubscribe(w);
  live.stop();
  EXPECT_EQ(stored_stdout(), "one\ntwo\n");
  EXPECT_EQ(woken, 2);  // the refused update woke nobody
  live.finish(dispatch);
  EXPECT_EQ(live.find(dispatch, "a"), nullptr);
}

}  // namespace
}  // namespace mend
