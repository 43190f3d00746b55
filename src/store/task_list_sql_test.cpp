#include "store/task_list_sql.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

TEST(TaskListSqlTest, StateFilterReadsDoneUnfinishedAnActionOrAny) {
  EXPECT_EQ(task_state_filter("done").done, 1);
  EXPECT_EQ(task_state_filter("unfinished").done, 0);
  auto paused = task_state_filter("pause");
  EXPECT_EQ(paused.done, 0);
  EXPECT_EQ(paused.action, "pause");
  EXPECT_EQ(task_state_filter("").done, -1);
  EXPECT_EQ(task_state_filter("").action, "");
}

TEST(TaskListSqlTest, LikeContainsMatchesWildcardsLiterally) {
  EXPECT_EQ(like_contains("disk"), "%disk%");
  EXPECT_EQ(like_contains("50%_a\\b"), "%50\\%\\_a\\\\b%");
  EXPECT_EQ(like_contains(""), "%%");
}

}  // namespace
}  // namespace mend
