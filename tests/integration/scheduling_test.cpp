// Batch, tolerance and the pause list: which hosts run, in which order, and
// when the task stops by itself.
#include <gtest/gtest.h>

#include <thread>

#include "support/cluster_fixture.hpp"

namespace mend::it {
namespace {

using nlohmann::json;

class SchedulingTest : public ClusterTest {};

TEST_F(SchedulingTest, ToleranceExceededPausesTheTaskUntilStarted) {
  IbexApi ibex = api();
  std::string log = dir_->file("order").string();
  json form = task_form(kHosts, sh_script(
      "echo $MEND_HOST >> " + log + "\n[ \"$MEND_HOST\" != host-a ]\n"));
  form["batch"] = 1;
  form["tolerance"] = 0;
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_host_status(id, "host-a", "failed"));
  ASSERT_TRUE(ibex.wait_action(id, "pause"));
  EXPECT_EQ(ibex.state(id), "pause");

  // Paused: the remaining hosts stay waiting (look twice, a second apart).
  for (int look = 0; look < 2; ++look) {
    EXPECT_EQ(ibex.host_status(id, "host-b"), "waiting");
    EXPECT_EQ(ibex.host_status(id, "host-c"), "waiting");
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  EXPECT_FALSE(ibex.is_done(id));
  EXPECT_EQ(read_file(log), "host-a\n");

  // The operator looks at host-a, ignores it (so it no longer counts against
  // the tolerance) and starts the task again.
  ASSERT_EQ(ibex.host_action(id, "host-a", "ignore").err(), "");
  ASSERT_TRUE(ibex.act(id, "start"));
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_statuses(id), (std::map<std::string, std::string>{
                                        {"host-a", "ignored"}, {"host-b", "success"}, {"host-c", "success"}}));
  EXPECT_EQ(read_file(log), "host-a\nhost-b\nhost-c\n") << "batch 1 runs hosts one by one, in order";
}

TEST_F(SchedulingTest, FailuresWithinToleranceDoNotPause) {
  IbexApi ibex = api();
  json form = task_form(kHosts, sh_script("[ \"$MEND_HOST\" != host-a ]\n"));
  form["batch"] = 1;
  form["tolerance"] = 1;
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_statuses(id), (std::map<std::string, std::string>{
                                        {"host-a", "failed"}, {"host-b", "success"}, {"host-c", "success"}}));
}

TEST_F(SchedulingTest, PauseListStopsAfterThatHostAndStartResumes) {
  IbexApi ibex = api();
  std::string log = dir_->file("order").string();
  json form = task_form(kHosts, sh_script("echo $MEND_HOST >> " + log + "\n"));
  form["batch"] = 1;
  form["pause"] = "host-b";
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_host_status(id, "host-b", "success"));
  ASSERT_TRUE(ibex.wait_action(id, "pause"));
  EXPECT_EQ(ibex.host_status(id, "host-a"), "success");
  for (int look = 0; look < 2; ++look) {
    EXPECT_EQ(ibex.host_status(id, "host-c"), "waiting");
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  EXPECT_FALSE(ibex.is_done(id));
  EXPECT_EQ(read_file(log), "host-a\nhost-b\n");

  ASSERT_TRUE(ibex.act(id, "start"));
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_status(id, "host-c"), "success");
  EXPECT_EQ(read_file(log), "host-a\nhost-b\nhost-c\n");
}

TEST_F(SchedulingTest, BatchBoundsHowManyHostsRunAtOnce) {
  IbexApi ibex = api();
  // Each script records how many scripts run at its start, then lingers a little.
  std::string d = dir_->path().string();
  json form = task_form(kHosts, sh_script(
      "touch " + d + "/running-$MEND_HOST\nls " + d + " | grep -c '^running-' >> " + d + "/concurrency\n"
      "sleep 1\nrm " + d + "/running-$MEND_HOST\n"));
  form["batch"] = 2;
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_task_done(id));
  for (const auto& h : kHosts) EXPECT_EQ(ibex.host_status(id, h), "success") << h;
  std::string seen = read_file(dir_->file("concurrency"));
  EXPECT_EQ(seen.find('3'), std::string::npos) << "never three at once with batch 2; saw:\n" << seen;
}

TEST_F(SchedulingTest, PauseActionStopsNewDispatchesAndRunningHostsGoOn) {
  IbexApi ibex = api();
  std::string d = dir_->path().string();
  json form = task_form(kHosts, sh_script(
      "touch " + d + "/started-$MEND_HOST\n"
      "i=0; while [ ! -f " + d + "/release ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n"));
  form["batch"] = 1;
  form["timeout"] = 90;
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir_->file("started-host-a")); }));
  ASSERT_EQ(ibex.task_action(id, "pause").err(), "");
  write_file(dir_->file("release"), "");
  ASSERT_TRUE(ibex.wait_host_status(id, "host-a", "success"));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(ibex.host_status(id, "host-b"), "waiting");
  EXPECT_FALSE(std::filesystem::exists(dir_->file("started-host-b")));

  ASSERT_EQ(ibex.task_action(id, "start").err(), "");
  ASSERT_TRUE(ibex.wait_task_done(id));
  for (const auto& h : kHosts) EXPECT_EQ(ibex.host_status(id, h), "success") << h;
}

}  // namespace
}  // namespace mend::it
