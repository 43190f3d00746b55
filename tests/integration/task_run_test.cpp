// Running tasks end to end: what a script receives (argv, stdin, env), what
// the API shows while and after it runs, and the per-host and task actions
// redo, ignore and cancel.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>

#include "support/cluster_fixture.hpp"

namespace mend::it {
namespace {

using nlohmann::json;

class TaskRunTest : public ClusterTest {
 protected:
  // A script line that blocks until `file` exists (bounded, so a broken test cannot hang a host).
  std::string wait_for_file(const std::string& name) const {
    return "i=0; while [ ! -f " + dir_->file(name).string() + " ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n";
  }
  void touch(const std::string& name) const { write_file(dir_->file(name), ""); }
};

TEST_F(TaskRunTest, ArgsArriveAsExactArgvElementsWithStdinAndEnvOnEveryHost) {
  IbexApi ibex = api();
  json form = task_form(kHosts, sh_script(
      "echo \"argc=$#\"\n"
      "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n"
      "echo \"stdin=$(cat)\"\n"
      "echo \"task=$MEND_TASK_ID host=$MEND_HOST dispatch=$MEND_DISPATCH_ID\"\n"));
  form["args"] = "a b,,c\"d'e,,$(x)";
  form["stdin"] = "line one\nline two\n";
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_task_done(id));

  std::set<std::string> dispatch_ids;
  for (const auto& host : kHosts) {
    EXPECT_EQ(ibex.host_status(id, host), "success") << host;
    std::string out = ibex.host_stdout(id, host);
    std::string expected_head =
        "argc=3\n[a b]\n[c\"d'e]\n[$(x)]\nstdin=line one\nline two\ntask=" + std::to_string(id) + " host=" + host + " dispatch=";
    ASSERT_EQ(out.substr(0, expected_head.size()), expected_head) << "stdout of " << host << ":\n" << out;
    std::string dispatch = out.substr(expected_head.size());
    while (!dispatch.empty() && dispatch.back() == '\n') dispatch.pop_back();
    EXPECT_TRUE(std::regex_match(dispatch, std::regex("[1-9][0-9]*"))) << "MEND_DISPATCH_ID='" << dispatch << "'";
    dispatch_ids.insert(dispatch);
  }
  EXPECT_EQ(dispatch_ids.size(), 3u) << "each host has its own dispatch";
}

TEST_F(TaskRunTest, FinishedTaskShowsResultGroupsOutputsAndDoneState) {
  IbexApi ibex = api();
  int64_t id = ibex.create_task(task_form(kHosts, sh_script(
      "echo \"out $MEND_HOST\"\necho \"err $MEND_HOST\" >&2\n[ \"$MEND_HOST\" != host-c ]\n")));
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_task_done(id));

  EXPECT_EQ(ibex.state(id), "done");
  HttpResponse result = ibex.http().get(IbexApi::task_path(id) + "/result");
  ASSERT_EQ(result.status, 200) << result;
  EXPECT_EQ(result.dat(), json::object({{"success", json::array({"host-a", "host-b"})}, {"failed", json::array({"host-c"})}})) << result;

  HttpResponse out = ibex.host_output(id, "host-b");
  ASSERT_EQ(out.status, 200) << out;
  EXPECT_EQ(out.dat().value("status", ""), "success") << out;
  EXPECT_EQ(out.dat().value("stdout", ""), "out host-b\n") << out;
  EXPECT_EQ(out.dat().value("stderr", ""), "err host-b\n") << out;

  HttpResponse txt = ibex.http().get(IbexApi::task_path(id) + "/stdout.txt");
  ASSERT_EQ(txt.status, 200) << txt;
  for (const auto& host : kHosts)
    EXPECT_NE(txt.body.find(host + ":\nout " + host + "\n"), std::string::npos) << txt.body;

  // An id no task has counts as done, as in Ibex: a poller waiting for it stops.
  HttpResponse done = ibex.http().get("/ibex/v1/tasks/done-ids?ids=" + std::to_string(id) + ",999999");
  ASSERT_EQ(done.status, 200) << done;
  EXPECT_EQ(done.dat(), json::object({{"list", json::array({id, 999999})}})) << done;

  json view = ibex.task(id);
  ASSERT_TRUE(view.is_object());
  EXPECT_EQ(view["meta"].value("done", false), true) << view.dump();
}

TEST_F(TaskRunTest, LiveOutputIsVisibleWhileTheHostStillRuns) {
  IbexApi ibex = api();
  int64_t id = ibex.create_task(task_form({"host-a"}, sh_script("echo first\nsleep 3\necho second\n")));
  ASSERT_GT(id, 0);

  HttpResponse seen;
  bool live = wait_until([&] {
    seen = ibex.host_output(id, "host-a");
    return seen.status == 200 && seen.dat().value("stdout", "").find("first") != std::string::npos;
  });
  ASSERT_TRUE(live) << "never saw 'first'; last: " << seen;
  EXPECT_EQ(seen.dat().value("status", ""), "running") << "'first' should show while the script sleeps: " << seen;
  EXPECT_EQ(seen.dat().value("stdout", "").find("second"), std::string::npos) << seen;

  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_stdout(id, "host-a"), "first\nsecond\n");
}

TEST_F(TaskRunTest, RedoOfFailedHostRunsItAgainAndSucceeds) {
  IbexApi ibex = api();
  std::string counter = dir_->file("runs-host-a").string();
  // host-a fails its first run and succeeds the second; host-b keeps the task open meanwhile.
  json form = task_form({"host-a", "host-b"}, sh_script(
      "if [ \"$MEND_HOST\" = host-b ]; then\n" + wait_for_file("release-b") + "exit 0\nfi\n"
      "n=$(cat " + counter + " 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > " + counter + "\n"
      "echo \"run $n\"\n[ $n -ge 2 ]\n"));
  form["tolerance"] = 1;
  form["timeout"] = 90;
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_host_status(id, "host-a", "failed"));
  EXPECT_EQ(ibex.host_stdout(id, "host-a"), "run 1\n");

  HttpResponse redo = ibex.host_action(id, "host-a", "redo");
  ASSERT_EQ(redo.status, 200) << redo;
  ASSERT_EQ(redo.err(), "") << redo;
  ASSERT_TRUE(ibex.wait_host_status(id, "host-a", "success"));
  EXPECT_EQ(ibex.host_stdout(id, "host-a"), "run 2\n");
  EXPECT_EQ(read_file(counter), "2\n") << "the script ran exactly twice";

  touch("release-b");
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_status(id, "host-b"), "success");
}

TEST_F(TaskRunTest, IgnoreMarksAFailedHostIgnored) {
  IbexApi ibex = api();
  json form = task_form({"host-a", "host-b"}, sh_script(
      "if [ \"$MEND_HOST\" = host-b ]; then\n" + wait_for_file("release-b") + "exit 0\nfi\nexit 1\n"));
  form["tolerance"] = 1;
  form["timeout"] = 90;
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_host_status(id, "host-a", "failed"));

  HttpResponse ignore = ibex.host_action(id, "host-a", "ignore");
  ASSERT_EQ(ignore.status, 200) << ignore;
  ASSERT_EQ(ignore.err(), "") << ignore;
  EXPECT_EQ(ibex.host_status(id, "host-a"), "ignored");

  touch("release-b");
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_statuses(id), (std::map<std::string, std::string>{{"host-a", "ignored"}, {"host-b", "success"}}));
}

TEST_F(TaskRunTest, CancelCancelsWaitingHostsAndFinishedTaskRefusesActions) {
  IbexApi ibex = api();
  std::string started = dir_->file("started").string();
  json form = task_form(kHosts, sh_script("touch " + started + "\n" + wait_for_file("release") + "echo finished\n"));
  form["batch"] = 1;
  form["timeout"] = 90;
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(started); })) << "host-a never started";
  EXPECT_EQ(ibex.state(id), "start");

  ASSERT_TRUE(ibex.act(id, "cancel"));
  EXPECT_EQ(ibex.host_status(id, "host-b"), "cancelled");
  EXPECT_EQ(ibex.host_status(id, "host-c"), "cancelled");
  EXPECT_EQ(ibex.host_status(id, "host-a"), "running") << "cancel leaves the running host alone";

  touch("release");
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_statuses(id), (std::map<std::string, std::string>{
                                        {"host-a", "success"}, {"host-b", "cancelled"}, {"host-c", "cancelled"}}));
  EXPECT_EQ(ibex.host_stdout(id, "host-a"), "finished\n");
  EXPECT_EQ(ibex.state(id), "done");

  for (const char* action : {"start", "pause", "cancel", "kill"}) {
    HttpResponse r = ibex.task_action(id, action);
    EXPECT_EQ(r.status, 200) << action << ": " << r;
    EXPECT_EQ(r.err(), "task already finished, no more action can do") << action << ": " << r;
  }
  EXPECT_EQ(ibex.state(id), "done");
  EXPECT_EQ(ibex.host_status(id, "host-b"), "cancelled") << "start on a done task must not run anything";
}

TEST_F(TaskRunTest, TaskCreatedPausedRunsNothingUntilStarted) {
  IbexApi ibex = api();
  json form = task_form({"host-a"}, sh_script("echo ran\n"));
  form["action"] = "pause";
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  EXPECT_EQ(ibex.state(id), "pause");
  EXPECT_EQ(ibex.host_status(id, "host-a"), "waiting");

  ASSERT_TRUE(ibex.act(id, "start"));
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_stdout(id, "host-a"), "ran\n");
}

}  // namespace
}  // namespace mend::it
