#include "agent/spool.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "agent/dispatch_lock.hpp"
#include "testing/assigns.hpp"
#include "testing/temp_dir.hpp"

namespace mend::agent {

namespace fs = std::filesystem;

namespace {
proto::Assign assign(int64_t id) { return testing::root_assign(id, 100 + id, "h", "echo hi"); }
proto::ResultMsg result(int64_t id, const std::string& status) {
  proto::ResultMsg r;
  r.dispatch_id = id;
  r.task_id = 100 + id;
  r.status = proto::parse_run_outcome(status).value();
  r.exit_code = 0;
  r.stdout_text = "out";
  return r;
}

// A spool in a fresh directory of its own.
class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Spool::open(tmp.path());
    ASSERT_TRUE(opened);
    spool.emplace(std::move(*opened));
  }

  testing::TempDir tmp;
  std::optional<Spool> spool;
};

}  // namespace

TEST(Spool, StatesFollowTheDispatchLife) {
  testing::TempDir tmp;
  auto spool = Spool::open(tmp.path() / "spool");
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->state(1), DispatchState::unknown);
  ASSERT_TRUE(spool->record_assign(assign(1)));
  EXPECT_EQ(spool->state(1), DispatchState::recorded);
  ASSERT_TRUE(spool->write_result(result(1, "success")));
  EXPECT_EQ(spool->state(1), DispatchState::has_result);
  auto r = spool->load_result(1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stdout_text, "out");
  ASSERT_TRUE(spool->mark_done(1));
  EXPECT_EQ(spool->state(1), DispatchState::done);
  EXPECT_FALSE(fs::exists(spool->dispatch_dir(1)));
  auto stone = spool->load_tombstone(1);
  ASSERT_TRUE(stone);
  EXPECT_EQ(stone->status, proto::RunOutcome::success);
  EXPECT_EQ(stone->task_id, 101);
  EXPECT_EQ(stone->stdout_text, "");
}

TEST(Spool, RecoverReloadsResultsAndReportsLostRuns) {
  testing::TempDir tmp;
  {
    auto spool = Spool::open(tmp.path());
    ASSERT_TRUE(spool);
    ASSERT_TRUE(spool->record_assign(assign(1)));  // died while running
    ASSERT_TRUE(spool->record_assign(assign(2)));
    ASSERT_TRUE(spool->write_result(result(2, "failed")));  // finished, not acked
    ASSERT_TRUE(spool->record_assign(assign(3)));
    ASSERT_TRUE(spool->write_result(result(3, "success")));
    ASSERT_TRUE(spool->mark_done(3));  // acked
  }
  // A fresh Spool on the same directory, as after a restart.
  auto spool = Spool::open(tmp.path());
  ASSERT_TRUE(spool);
  auto recovery = spool->recover();
  ASSERT_TRUE(recovery);
  ASSERT_EQ(recovery->results.size(), 2u);
  EXPECT_TRUE(recovery->supervised.empty());
  std::map<int64_t, proto::ResultMsg> by_id;
  for (auto& r : recovery->results) by_id[r.dispatch_id] = r;
  EXPECT_EQ(by_id[1].status, proto::RunOutcome::lost);
  EXPECT_EQ(by_id[1].task_id, 101);
  EXPECT_EQ(by_id[1].message, kLostMessage);
  EXPECT_EQ(by_id[2].status, proto::RunOutcome::failed);
  // The lost result is itself spooled, so a second restart reports it again.
  EXPECT_EQ(spool->state(1), DispatchState::has_result);
  EXPECT_EQ(spool->state(3), DispatchState::done);
}

TEST_F(SpoolTest, RecoverFinishesAnInterruptedMarkDone) {
  ASSERT_TRUE(spool->write_result(result(5, "success")));
  // Crash between the tombstone and the delete: both are on disk.
  ASSERT_TRUE(write_file_durably(tmp.path() / "done" / "5", proto::encode(result(5, "success"))));
  auto recovery = spool->recover();
  ASSERT_TRUE(recovery);
  EXPECT_TRUE(recovery->results.empty());
  EXPECT_FALSE(fs::exists(spool->dispatch_dir(5)));
  EXPECT_EQ(spool->state(5), DispatchState::done);
}

TEST_F(SpoolTest, PrunesOnlyOldTombstones) {
  for (int64_t id : {1, 2}) {
    ASSERT_TRUE(spool->write_result(result(id, "success")));
    ASSERT_TRUE(spool->mark_done(id));
  }
  auto now = fs::file_time_type::clock::now();
  fs::last_write_time(tmp.path() / "done" / "1", now - std::chrono::hours(24 * 8));
  EXPECT_EQ(spool->prune_tombstones(now, std::chrono::hours(24 * 7)), 1u);
  EXPECT_EQ(spool->state(1), DispatchState::unknown);
  EXPECT_EQ(spool->state(2), DispatchState::done);
}

TEST_F(SpoolTest, WritesAreAtomicReplacements) {
  ASSERT_TRUE(spool->write_result(result(7, "lost")));
  ASSERT_TRUE(spool->write_result(result(7, "success")));
  EXPECT_EQ(spool->load_result(7)->status, proto::RunOutcome::success);
  EXPECT_FALSE(fs::exists(spool->dispatch_dir(7) / "result.json.tmp"));
}


TEST_F(SpoolTest, RecoverLeavesADispatchWithALiveSupervisorForAdoption) {
  ASSERT_TRUE(spool->record_assign(assign(8)));
  {
    // A supervisor from before the restart still holds the lock.
    auto supervisor = spool->lock_dispatch(8);
    ASSERT_TRUE(supervisor);
    auto recovery = spool->recover();
    ASSERT_TRUE(recovery);
    EXPECT_TRUE(recovery->results.empty());
    ASSERT_EQ(recovery->supervised, std::vector<int64_t>{8});
    EXPECT_EQ(spool->state(8), DispatchState::recorded);
    EXPECT_TRUE(supervisor_alive(spool->dispatch_dir(8)));
  }
  EXPECT_FALSE(supervisor_alive(spool->dispatch_dir(8)));
  // The supervisor died without writing a result: the outcome is unknown.
  auto r = spool->result_or_lost(8, kSupervisorLostMessage);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, proto::RunOutcome::lost);
  EXPECT_EQ(r->task_id, 108);
  EXPECT_EQ(spool->state(8), DispatchState::has_result);
}

TEST_F(SpoolTest, ResultOrLostKeepsAResultTheSupervisorWrote) {
  ASSERT_TRUE(spool->record_assign(assign(9)));
  ASSERT_TRUE(spool->write_result(result(9, "success")));
  auto r = spool->result_or_lost(9, kSupervisorLostMessage);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, proto::RunOutcome::success);
}

TEST_F(SpoolTest, ADispatchRecordedByAnOlderAgentIsStillRecorded) {
  // Agents before the record journal kept the record as assign.json.
  fs::create_directories(spool->dispatch_dir(12));
  ASSERT_TRUE(write_file_durably(spool->dispatch_dir(12) / "assign.json", proto::encode(assign(12))));
  EXPECT_EQ(spool->state(12), DispatchState::recorded);
  auto recovery = spool->recover();
  ASSERT_TRUE(recovery);
  ASSERT_EQ(recovery->results.size(), 1u);
  EXPECT_EQ(recovery->results[0].status, proto::RunOutcome::lost);
  EXPECT_EQ(recovery->results[0].task_id, 112);
}

TEST(Spool, ARecordWhoseDirectoryAMachineCrashLostIsReportedLost) {
  testing::TempDir tmp;
  {
    auto spool = Spool::open(tmp.path());
    ASSERT_TRUE(spool);
    ASSERT_TRUE(spool->lock_dispatch(13));
    ASSERT_TRUE(spool->record_assign(assign(13)));
  }
  // The directory was made without a sync; the record was synced.
  fs::remove_all(tmp.path() / "dispatches" / "13");
  auto spool = Spool::open(tmp.path());
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->state(13), DispatchState::recorded);
  auto recovery = spool->recover();
  ASSERT_TRUE(recovery);
  ASSERT_EQ(recovery->results.size(), 1u);
  EXPECT_EQ(recovery->results[0].dispatch_id, 13);
  EXPECT_EQ(recovery->results[0].status, proto::RunOutcome::lost);
  EXPECT_EQ(recovery->results[0].task_id, 113);
}

}  // namespace mend::agent
