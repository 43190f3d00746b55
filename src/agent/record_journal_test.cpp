#include "agent/record_journal.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>

#include "common/failpoint.hpp"
#include "testing/temp_dir.hpp"

namespace mend::agent {
namespace {

const auto keep_all = [](int64_t) { return true; };

TEST(RecordJournal, AnAppendedRecordIsSeenByANewReader) {
  testing::TempDir tmp;
  auto j = RecordJournal::open(tmp.path() / "records");
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_FALSE(j->contains(7));
  ASSERT_TRUE(j->append(7, 70, keep_all));
  ASSERT_TRUE(j->append(8, 80, keep_all));
  EXPECT_TRUE(j->contains(7));

  auto other = RecordJournal::open(tmp.path() / "records");
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->contains(7));
  EXPECT_EQ(other->task_of(8), 80);
  EXPECT_EQ(other->used(), 2u);
  // A reader opened before the append sees it after reload().
  auto early = RecordJournal::open(tmp.path() / "records");
  ASSERT_TRUE(j->append(9, 90, keep_all));
  EXPECT_FALSE(early->contains(9));
  ASSERT_TRUE(early->reload());
  EXPECT_TRUE(early->contains(9));
}

TEST(RecordJournal, TheFileKeepsItsSizeSoARecordChangesNoMetadata) {
  testing::TempDir tmp;
  auto j = RecordJournal::open(tmp.path() / "records", 64);
  ASSERT_TRUE(j);
  const auto size = std::filesystem::file_size(tmp.path() / "records");
  EXPECT_EQ(size, 64u * 32u);
  for (int64_t id = 1; id <= 10; ++id) ASSERT_TRUE(j->append(id, 1, keep_all));
  EXPECT_EQ(std::filesystem::file_size(tmp.path() / "records"), size);
}

TEST(RecordJournal, AFullFileIsCompactedToTheRecordsStillNeeded) {
  testing::TempDir tmp;
  auto j = RecordJournal::open(tmp.path() / "records", 4);
  ASSERT_TRUE(j);
  std::set<int64_t> running = {2};
  auto needed = [&](int64_t id) { return running.count(id) != 0; };
  for (int64_t id = 1; id <= 4; ++id) ASSERT_TRUE(j->append(id, 10 + id, needed));
  EXPECT_EQ(j->used(), 4u);
  ASSERT_TRUE(j->append(5, 15, needed));  // full: only 2 survives, then 5
  EXPECT_TRUE(j->contains(2));
  EXPECT_TRUE(j->contains(5));
  EXPECT_FALSE(j->contains(1));
  EXPECT_EQ(j->used(), 2u);
  auto reread = RecordJournal::open(tmp.path() / "records", 4);
  ASSERT_TRUE(reread);
  EXPECT_EQ(reread->dispatch_ids(), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(reread->task_of(2), 12);
}

TEST(RecordJournal, ATornSlotIsSkippedAndNeverWrittenOver) {
  testing::TempDir tmp;
  const auto path = tmp.path() / "records";
  {
    auto j = RecordJournal::open(path, 16);
    ASSERT_TRUE(j);
    ASSERT_TRUE(j->append(1, 10, keep_all));
  }
  // Half an entry in slot 1, as a crash in the middle of a write might leave.
  int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  const char garbage[16] = {'M', 'R', 'C', '1', 0, 0, 0, 0, 2};
  ASSERT_EQ(::pwrite(fd, garbage, sizeof garbage, 32), 16);
  ::close(fd);
  auto j = RecordJournal::open(path, 16);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->dispatch_ids(), (std::vector<int64_t>{1}));
  EXPECT_EQ(j->used(), 2u);
  ASSERT_TRUE(j->append(3, 30, keep_all));
  auto reread = RecordJournal::open(path, 16);
  EXPECT_EQ(reread->dispatch_ids(), (std::vector<int64_t>{1, 3}));
}

TEST(RecordJournal, AnArmedFailpointFailsTheAppendWithoutRecording) {
  testing::TempDir tmp;
  auto j = RecordJournal::open(tmp.path() / "records");
  ASSERT_TRUE(j);
  arm_failpoints("agent.record=error");
  auto r = j->append(4, 40, keep_all);
  arm_failpoints("");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("agent.record"), std::string::npos);
  EXPECT_FALSE(j->contains(4));
  ASSERT_TRUE(j->append(4, 40, keep_all));
  EXPECT_TRUE(j->contains(4));
}

}  // namespace
}  // namespace mend::agent
