#include "api/task_rerun.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace mend {
namespace {

TaskWithHosts finished_task() {
  TaskWithHosts t;
  t.task.id = 7;
  t.task.done = true;
  t.task.spec.title = "fix disks";
  t.task.spec.script = "echo fix";
  t.task.spec.args = "a,,b";
  t.task.spec.creator = "alice";
  t.task.spec.pause = "h2";
  t.task.spec.timeout_s = 90;
  t.task.spec.action = TaskAction::pause;
  const std::pair<const char*, HostStatus> hosts[] = {
      {"h1", HostStatus::success}, {"h2", HostStatus::failed},    {"h3", HostStatus::timeout},
      {"h4", HostStatus::cancelled}, {"h5", HostStatus::lost},    {"h6", HostStatus::ignored},
      {"h7", HostStatus::killed},  {"h8", HostStatus::killfailed}};
  for (const auto& [name, status] : hosts) {
    HostRun r;
    r.host = name;
    r.status = status;
    t.hosts.push_back(r);
  }
  return t;
}

TEST(TaskRerun, TakesTheHostsThatDidNotSucceedAndLinksToTheFirst) {
  auto spec = rerun_spec(finished_task(), "bob");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->hosts, (std::vector<std::string>{"h2", "h3", "h5", "h7", "h8"}));
  EXPECT_EQ(spec->script, "echo fix");
  EXPECT_EQ(spec->args, "a,,b");
  EXPECT_EQ(spec->timeout_s, 90);
  EXPECT_EQ(spec->creator, "bob");
  EXPECT_EQ(spec->action, TaskAction::start);
  EXPECT_EQ(spec->pause, "");
  EXPECT_EQ(rerun_of(*spec), 7);
}

TEST(TaskRerun, ARerunOfARerunLinksToItsOwnParentOnce) {
  TaskWithHosts t = finished_task();
  t.task.spec.env.emplace_back(kRerunOfEnv, "3");
  auto spec = rerun_spec(t, "");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->creator, "alice");
  EXPECT_EQ(std::count_if(spec->env.begin(), spec->env.end(), [](auto& kv) { return kv.first == kRerunOfEnv; }), 1);
  EXPECT_EQ(rerun_of(*spec), 7);
}

TEST(TaskRerun, AnUnfinishedTaskOrOneWithoutFailuresIsRefused) {
  TaskWithHosts running = finished_task();
  running.task.done = false;
  auto r = rerun_spec(running, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::conflict);
  EXPECT_NE(r.error().message.find("redo"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("mendctl host action"), std::string::npos) << r.error().message;
  TaskWithHosts fine = finished_task();
  for (auto& h : fine.hosts) h.status = HostStatus::success;
  auto none = rerun_spec(fine, "");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message, "task 7 has no failed hosts to rerun");
  EXPECT_EQ(rerun_of(fine.task.spec), std::nullopt);
}

}  // namespace
}  // namespace mend
