// The commands end to end against a scripted fake server: what a user sees
// on stdout/stderr and the exit code.
#include "cli/commands.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "testing/fake_http_server.hpp"
#include "testing/temp_dir.hpp"

namespace mend::cli {
namespace {

using nlohmann::json;
using testing::CannedResponse;
using testing::FakeHttpServer;
using testing::SeenRequest;

std::string task_json(int64_t id, bool done, const std::string& action,
                      std::vector<std::pair<std::string, std::string>> hosts) {
  json list = json::array();
  for (auto& [host, status] : hosts) {
    json h = {{"id", id}, {"host", host}, {"status", status}};
    // As the server reports them: an exit code once the script ended.
    if (status == "success") h["exit_code"] = 0;
    if (status == "failed") h["exit_code"] = 1;
    list.push_back(std::move(h));
  }
  json meta = {{"id", id},           {"title", "mendctl fix.sh FH: h1"},
               {"account", "root"},  {"batch", 0},
               {"tolerance", 0},     {"timeout", 30},
               {"pause", ""},        {"script", "echo hi"},
               {"args", ""},         {"stdin", ""},
               {"creator", "alice"}, {"created", 1700000000},
               {"done", done}};
  return json{{"meta", meta}, {"hosts", list}, {"action", action}}.dump();
}

CannedResponse output_for(const std::string& target) {
  std::string host = target.substr(target.find("/host/") + 6);
  host = host.substr(0, host.find('/'));
  json out = {{"host", host},
              {"status", host == "h2" ? "failed" : "success"},
              {"stdout", "out of " + host + "\n"},
              {"stderr", host == "h2" ? "boom" : ""}};
  return testing::ok_json(out.dump());
}

struct Fixture : ::testing::Test {
  std::ostringstream out;
  std::ostringstream err;
  Console console{out, err, false};
  FollowOptions follow{std::chrono::milliseconds(1), nullptr, 5};
  std::vector<std::unique_ptr<HttpClient>> clients;

  // A ServerApi on `server`; the fixture keeps the HTTP client it uses.
  ServerApi api_on(const FakeHttpServer& server) {
    clients.push_back(std::make_unique<HttpClient>(*parse_server_url(server.url()), HttpClientOptions{}));
    return ServerApi(*clients.back());
  }
  // `mendctl run --hosts HOSTS -`: the script comes from stdin.
  static RunOptions run_on(const std::string& hosts) {
    RunOptions options;
    options.hosts = hosts;
    options.script_path = "-";
    return options;
  }
};

// A server for task `id`: a POST creates it, each GET of it answers the next
// of `states` (the last one from then on), and hosts' outputs are output_for's.
FakeHttpServer::Handler scripted_task(int64_t id, std::vector<std::string> states) {
  auto polls = std::make_shared<std::atomic<size_t>>(0);
  return [=](const SeenRequest& req) {
    if (req.method == "POST" && req.target == "/ibex/v1/tasks") return testing::ok_json(std::to_string(id));
    if (req.target == "/ibex/v1/task/" + std::to_string(id))
      return testing::ok_json(states[std::min((*polls)++, states.size() - 1)]);
    if (req.target.find("/host/") != std::string::npos) return output_for(req.target);
    return testing::err_json(404, "no such route " + req.target);
  };
}

// A task whose two hosts run, then h1 succeeds and h2 fails.
FakeHttpServer::Handler two_host_task() {
  return scripted_task(42, {task_json(42, false, "start", {{"h1", "running"}, {"h2", "waiting"}}),
                            task_json(42, false, "start", {{"h1", "running"}, {"h2", "waiting"}}),
                            task_json(42, false, "start", {{"h1", "success"}, {"h2", "running"}}),
                            task_json(42, true, "start", {{"h1", "success"}, {"h2", "failed"}})});
}

TEST_F(Fixture, RunCreatesFollowsAndReportsAFailedHost) {
  FakeHttpServer server(two_host_task());
  ServerApi api = api_on(server);
  RunOptions options = run_on("h1,h2");
  std::istringstream stdin_stream("echo hi\n");

  int rc = run_command(api, options, "alice", stdin_stream, console, follow);

  EXPECT_EQ(rc, kExitHostsFailed) << err.str();
  auto form = json::parse(server.requests().at(0).body);
  EXPECT_EQ(form["script"], "echo hi\n");
  EXPECT_EQ(form["creator"], "alice");
  EXPECT_EQ(form["title"], "mendctl stdin");
  EXPECT_EQ(form["hosts"], json::array({"h1", "h2"}));
  // Not a terminal: one plain line per change of counts, then the report.
  EXPECT_EQ(out.str(),
            "task 42 created: mendctl stdin\n"
            "0/2 hosts done  1 running  0 failed\n"
            "1/2 hosts done  1 running  0 failed\n"
            "2/2 hosts done  0 running  1 failed\n"
            "== h1: success (exit 0)\n"
            "--- stdout\nout of h1\n"
            "== h2: failed (exit 1)\n"
            "--- stdout\nout of h2\n"
            "--- stderr\nboom\n"
            "task 42 done: 1/2 hosts succeeded, 1 failed (h2: exit 1)\n");
  EXPECT_EQ(err.str(), "");
}

TEST_F(Fixture, RunOnATerminalRedrawsOneLine) {
  FakeHttpServer server([](const SeenRequest& req) {
    if (req.method == "POST") return testing::ok_json("5");
    if (req.target == "/ibex/v1/task/5") {
      return testing::ok_json(task_json(5, true, "start", {{"h1", "success"}}));
    }
    return output_for(req.target);
  });
  ServerApi api = api_on(server);
  console.tty = true;
  RunOptions options = run_on("h1");
  std::istringstream stdin_stream("true");
  EXPECT_EQ(run_command(api, options, "bob", stdin_stream, console, follow), kExitOk);
  EXPECT_NE(out.str().find("\r[####################] 1/1 hosts done  0 running  0 failed\x1b[K\n"),
            std::string::npos)
      << out.str();
}

TEST_F(Fixture, DoneIsConfirmedByStateWhenMetaLags) {
  FakeHttpServer server([](const SeenRequest& req) {
    if (req.target == "/ibex/v1/task/6/state") return testing::ok_json(R"("done")");
    if (req.target == "/ibex/v1/task/6") {
      return testing::ok_json(task_json(6, false, "start", {{"h1", "success"}}));
    }
    return output_for(req.target);
  });
  ServerApi api = api_on(server);
  EXPECT_EQ(follow_task(api, 6, console, follow), kExitOk);
}

TEST_F(Fixture, NoWaitPrintsOnlyTheId) {
  FakeHttpServer server([](const SeenRequest&) { return testing::ok_json("77"); });
  ServerApi api = api_on(server);
  RunOptions options = run_on("h1");
  options.no_wait = true;
  std::istringstream stdin_stream("true");
  EXPECT_EQ(run_command(api, options, "bob", stdin_stream, console, follow), kExitOk);
  EXPECT_EQ(out.str(), "77\n");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(Fixture, ServerRefusalExitsWithTwoAndPrintsErr) {
  FakeHttpServer server([](const SeenRequest&) { return testing::err_json(200, "hosts empty"); });
  ServerApi api = api_on(server);
  RunOptions options = run_on("h1");
  std::istringstream stdin_stream("true");
  EXPECT_EQ(run_command(api, options, "bob", stdin_stream, console, follow), kExitError);
  EXPECT_EQ(err.str(), "mendctl: hosts empty\n");
}

TEST_F(Fixture, MissingScriptFileIsAUsageError) {
  FakeHttpServer server([](const SeenRequest&) { return testing::ok_json("1"); });
  ServerApi api = api_on(server);
  RunOptions options;
  options.hosts = "h1";
  options.script_path = "/nonexistent/fix.sh";
  std::istringstream stdin_stream;
  EXPECT_EQ(run_command(api, options, "bob", stdin_stream, console, follow), kExitError);
  EXPECT_NE(err.str().find("cannot read /nonexistent/fix.sh"), std::string::npos);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(Fixture, InterruptStopsFollowingAndSaysHowToKill) {
  FakeHttpServer server([](const SeenRequest&) {
    return testing::ok_json(task_json(8, false, "start", {{"h1", "running"}}));
  });
  ServerApi api = api_on(server);
  std::atomic<bool> interrupted{true};
  follow.interrupted = &interrupted;
  EXPECT_EQ(follow_task(api, 8, console, follow), kExitInterrupted);
  EXPECT_NE(err.str().find("mendctl task action 8 kill"), std::string::npos);
  EXPECT_TRUE(server.requests().empty());  // no request once interrupted
}

TEST_F(Fixture, TaskGoneWhileFollowingIsAnError) {
  FakeHttpServer server([](const SeenRequest&) { return testing::err_json(404, "no such task"); });
  ServerApi api = api_on(server);
  EXPECT_EQ(follow_task(api, 9, console, follow), kExitError);
  EXPECT_NE(err.str().find("mendctl: no such task\n"), std::string::npos);
}

TEST_F(Fixture, TaskShowPrintsMetaAndHostTable) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  FakeHttpServer server([](const SeenRequest& req) {
    if (req.target == "/ibex/v1/task/42") {
      return testing::ok_json(
          task_json(42, false, "pause", {{"h1", "success"}, {"h2", "waiting"}}));
    }
    return output_for(req.target);
  });
  ServerApi api = api_on(server);
  EXPECT_EQ(task_show_command(api, 42, /*with_output=*/true, console), kExitOk);
  EXPECT_EQ(out.str(),
            "task      42\n"
            "title     mendctl fix.sh FH: h1\n"
            "creator   alice\n"
            "created   2023-11-14 22:13:20 +0000\n"
            "account   root\n"
            "batch     0  tolerance 0  timeout 30s\n"
            "pause     -\n"
            "args      -\n"
            "action    pause\n"
            "state     pause\n"
            "progress  1/2 hosts done  0 running  0 failed\n"
            "\n"
            "HOST  STATUS   EXIT\n"
            "h1    success  0\n"
            "h2    waiting  -\n"
            "\n"
            "== h1: success (exit 0)\n"
            "--- stdout\nout of h1\n"
            "== h2: waiting\n"
            "--- stdout\nout of h2\n"
            "--- stderr\nboom\n");
}

TEST_F(Fixture, ActionsSendTheActionAndReportRefusals) {
  FakeHttpServer server([](const SeenRequest& req) {
    if (req.target == "/ibex/v1/task/3/action") return testing::ok_json("null");
    return testing::err_json(200, "task already finished, no more action can do");
  });
  ServerApi api = api_on(server);
  EXPECT_EQ(task_action_command(api, 3, "kill", console), kExitOk);
  EXPECT_EQ(out.str(), "task 3: kill\n");
  EXPECT_EQ(host_action_command(api, 3, "h1", "redo", console), kExitError);
  EXPECT_EQ(err.str(), "mendctl: task already finished, no more action can do\n");
  auto seen = server.requests();
  EXPECT_EQ(seen.at(1).target, "/ibex/v1/task/3/host/h1/action");
  EXPECT_EQ(json::parse(seen.at(1).body), (json{{"action", "redo"}}));
  EXPECT_EQ(task_action_command(api, 3, "explode", console), kExitError);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(Fixture, TaskListShowsATable) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  FakeHttpServer server([](const SeenRequest&) {
    return testing::ok_json(R"({"total": 12, "list": [
      {"id": 2, "title": "restart nginx", "creator": "alice", "created": 1700000000, "done": true,
       "host_counts": {"success": 3, "failed": 1, "timeout": 1}},
      {"id": 1, "title": "df", "creator": "bob", "created": 1700000060000, "done": false,
       "host_counts": {"success": 1, "running": 2, "waiting": 4}}]})");
  });
  ServerApi api = api_on(server);
  EXPECT_EQ(task_list_command(api, "", 2, console), kExitOk);
  EXPECT_EQ(out.str(),
            "ID  TITLE          CREATOR  CREATED                    STATE    HOSTS\n"
            "2   restart nginx  alice    2023-11-14 22:13:20 +0000  done     3 ok, 2 failed\n"
            "1   df             bob      2023-11-14 22:14:20 +0000  running  1 ok, 2 running, 4 waiting\n"
            "2 of 12 tasks\n");
}

TEST_F(Fixture, AgentsShowsLastSeenAgo) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  FakeHttpServer server([](const SeenRequest& req) {
    EXPECT_EQ(req.target, "/api/v1/agents");
    return testing::ok_json(
        R"([{"ident":"web-01","protocol":"native","remote":"10.0.0.5:41234","connected_ms":1700000000000,"last_seen_ms":1700000095000,"identity":"enrolled","server":"a:10090","labels":{"env":"prod"}}])");
  });
  ServerApi api = api_on(server);
  EXPECT_EQ(agents_command(api, 1700000100000, console), kExitOk);
  EXPECT_EQ(out.str(),
            "IDENT   PROTOCOL  IDENTITY  SERVER   LABELS    REMOTE          CONNECTED SINCE            LAST SEEN\n"
            "web-01  native    enrolled  a:10090  env=prod  10.0.0.5:41234  2023-11-14 22:13:20 +0000  5s ago\n"
            "1 agent connected\n");
}

TEST(HealRecordsQuery, FiltersAreEncodedAndDurationsCountBackFromNow) {
  HealRecordFilter f;
  f.rule = "disk full";
  f.host = "web-01";
  f.decision = "ran";
  f.since = "15m";
  f.until = "1700000000000";
  auto q = heal_records_query(f, 1700000000000);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(*q, "limit=50&rule=disk%20full&host=web-01&decision=ran&since=1699999100000&until=1700000000000");
  f = {};
  f.since = "2024-05-01T10:00:00Z";
  f.limit = 5;
  q = heal_records_query(f, 1700000000000);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(*q, "limit=5&since=2024-05-01T10%3A00%3A00Z");
  for (const char* bad : {"yesterday", "15x", "m", "-5m"}) {
    f.since = bad;
    q = heal_records_query(f, 1700000000000);
    ASSERT_FALSE(q) << bad;
    EXPECT_NE(q.error().message.find("--since"), std::string::npos) << q.error().message;
  }
}

TEST_F(Fixture, HealRecordsShowsEachDecisionWithTaskAndResolution) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  FakeHttpServer server([](const SeenRequest& req) {
    EXPECT_EQ(req.method, "GET");
    EXPECT_EQ(req.target, "/api/v1/heal/records?limit=50&rule=disk-full");
    return testing::ok_json(R"({"list":[
      {"id":7,"created_ms":1700000060000,"rule":"disk-full","host":"web-01","decision":"duplicate",
       "reason":"remediation task 3 is still running","task_id":null,"task_status":"","resolved_ms":null,"resolve_after_ms":null},
      {"id":6,"created_ms":1700000000000,"rule":"disk-full","host":"web-01","decision":"ran","reason":"",
       "task_id":3,"task_status":"success","resolved_ms":1700000125000,"resolve_after_ms":125000}]})");
  });
  ServerApi api = api_on(server);
  HealRecordFilter f;
  f.rule = "disk-full";
  EXPECT_EQ(heal_records_command(api, f, 1700000100000, console), kExitOk);
  EXPECT_EQ(out.str(),
            "ID  TIME                       RULE       HOST    DECISION   TASK       RESOLVED     REASON\n"
            "7   2023-11-14 22:14:20 +0000  disk-full  web-01  duplicate  -          -            remediation task 3 is still running\n"
            "6   2023-11-14 22:13:20 +0000  disk-full  web-01  ran        3 success  after 2m05s\n"
            "2 records\n");
}

TEST_F(Fixture, HealRecordsRefusesABadTimeWithoutAsking) {
  FakeHttpServer server([](const SeenRequest& req) {
    ADD_FAILURE() << "no request expected, got " << req.target;
    return testing::err_json(500, "unexpected");
  });
  ServerApi api = api_on(server);
  HealRecordFilter f;
  f.since = "last tuesday";
  EXPECT_EQ(heal_records_command(api, f, 1700000100000, console), kExitError);
  EXPECT_NE(err.str().find("--since 'last tuesday'"), std::string::npos) << err.str();
}

TEST_F(Fixture, HealRulesShowsCountsAndAnOpenBreakerExitsOne) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  FakeHttpServer server([](const SeenRequest& req) {
    EXPECT_EQ(req.target, "/api/v1/heal/rules?minutes=30");
    return testing::ok_json(R"({"list":[
      {"name":"disk-full","origin":"file","runs":5,"successes":3,"failures":1,"unfinished":1,"resolved_within":2,
       "resolved_within_minutes":30,"last_run_ms":1700000040000,"breaker":{"open":false,"opened_ms":0,"closed_ms":0,"reason":""}},
      {"name":"flaky","origin":"api","runs":3,"successes":0,"failures":3,"unfinished":0,"resolved_within":0,
       "resolved_within_minutes":30,"last_run_ms":1700000000000,
       "breaker":{"open":true,"opened_ms":1700000050000,"closed_ms":0,"reason":"3 failed runs in a row"}}]})");
  });
  ServerApi api = api_on(server);
  EXPECT_EQ(heal_rules_command(api, 30, 1700000100000, console), kExitHostsFailed);
  EXPECT_EQ(out.str(),
            "RULE       ORIGIN  RUNS  OK  FAILED  RUNNING  RESOLVED<=30M  LAST RUN   BREAKER\n"
            "disk-full  file    5     3   1       1        2              1m00s ago  closed\n"
            "flaky      api     3     0   3       0        0              1m40s ago  OPEN since 2023-11-14 22:14:10 +0000: 3 failed runs in a row\n"
            "2 rules; 1 breaker(s) open: `mendctl heal close-breaker RULE` after fixing the cause\n");
}

TEST_F(Fixture, HealCloseBreakerPostsAndReportsServerErrors) {
  FakeHttpServer server([](const SeenRequest& req) {
    EXPECT_EQ(req.method, "POST");
    if (req.target == "/api/v1/heal/rules/flaky/breaker/close")
      return testing::ok_json(R"({"open":false,"opened_ms":1,"closed_ms":2,"reason":"closed"})");
    return testing::err_json(404, "no rule \"nope\"");
  });
  ServerApi api = api_on(server);
  EXPECT_EQ(heal_close_breaker_command(api, "flaky", console), kExitOk);
  EXPECT_EQ(out.str(), "breaker of rule flaky closed\n");
  EXPECT_EQ(heal_close_breaker_command(api, "nope", console), kExitError);
  EXPECT_NE(err.str().find("no rule \"nope\""), std::string::npos) << err.str();
}

// A task that pauses after h1 fails (tolerance 0), with h2 still waiting.
FakeHttpServer::Handler pausing_task() {
  return scripted_task(9, {task_json(9, false, "start", {{"h1", "running"}, {"h2", "waiting"}}),
                           task_json(9, false, "pause", {{"h1", "failed"}, {"h2", "waiting"}})});
}

TEST_F(Fixture, RunOnATaskThatPausesSaysWhatHappenedAndTheNextStepsAndExitsThree) {
  FakeHttpServer server(pausing_task());
  ServerApi api = api_on(server);
  RunOptions options = run_on("h1,h2");
  options.batch = 1;
  std::istringstream stdin_stream("false\n");
  EXPECT_EQ(run_command(api, options, "alice", stdin_stream, console, follow), kExitPaused) << err.str();
  const std::string text = out.str();
  EXPECT_NE(text.find("task 9 paused: 0/2 hosts succeeded, 1 failed (h1: exit 1), 1 waiting; more failures than the "
                      "task's tolerance (0)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("mendctl task action 9 start"), std::string::npos) << text;
  EXPECT_NE(text.find("mendctl host action 9 h1 redo"), std::string::npos) << text;
  EXPECT_NE(text.find("mendctl task action 9 cancel"), std::string::npos) << text;
  EXPECT_NE(text.find("mendctl task watch 9"), std::string::npos) << text;
}

TEST_F(Fixture, TaskWatchFollowsAnExistingTask) {
  FakeHttpServer server(two_host_task());
  ServerApi api = api_on(server);
  EXPECT_EQ(task_watch_command(api, 42, console, follow), kExitHostsFailed);
  EXPECT_NE(out.str().find("task 42 done: 1/2 hosts succeeded, 1 failed"), std::string::npos) << out.str();
  EXPECT_EQ(server.requests().at(0).method, "GET") << "watch creates nothing";
}

TEST_F(Fixture, HostsWithoutAnAgentAreWarnedAboutAtCreation) {
  FakeHttpServer server([](const SeenRequest&) {
    return CannedResponse{200, R"({"dat":11,"err":"","warnings":["host nosuch: no agent is connected as it"],)"
                               R"("unseen_hosts":["nosuch"]})"};
  });
  ServerApi api = api_on(server);
  RunOptions options = run_on("nosuch");
  options.no_wait = true;
  std::istringstream stdin_stream("true");
  EXPECT_EQ(run_command(api, options, "bob", stdin_stream, console, follow), kExitOk);
  EXPECT_EQ(out.str(), "11\n");
  EXPECT_EQ(err.str(), "mendctl: warning: host nosuch: no agent is connected as it\n");
}

TEST_F(Fixture, TaskRerunCreatesTheLinkedTaskAndFollowsIt) {
  FakeHttpServer server([task = two_host_task()](const SeenRequest& req) {
    if (req.method == "POST" && req.target == "/api/v1/tasks/41/rerun")
      return testing::ok_json(R"({"id":42,"rerun_of":41,"hosts":["h1","h2"]})");
    return task(req);
  });
  ServerApi api = api_on(server);
  EXPECT_EQ(task_rerun_command(api, 41, "carol", false, console, follow), kExitHostsFailed);
  EXPECT_EQ(json::parse(server.requests().at(0).body), (json{{"creator", "carol"}}));
  EXPECT_EQ(out.str().rfind("task 42 created: rerun of task 41 on 2 hosts that did not succeed (h1, h2)\n", 0), 0u)
      << out.str();
}

TEST_F(Fixture, TaskRerunOfAnUnfinishedTaskShowsTheServersReason) {
  FakeHttpServer server([](const SeenRequest&) { return testing::err_json(409, "task 41 is not finished"); });
  ServerApi api = api_on(server);
  EXPECT_EQ(task_rerun_command(api, 41, "carol", false, console, follow), kExitError);
  EXPECT_EQ(err.str(), "mendctl: task 41 is not finished\n");
}

TEST_F(Fixture, JsonOutputPrintsTheServersAnswer) {
  FakeHttpServer server([](const SeenRequest& req) {
    if (req.target == "/api/v1/agents") return testing::ok_json(R"([{"ident":"web-01","protocol":"native"}])");
    if (req.target == "/ibex/v1/tasks?limit=5") return testing::ok_json(R"({"total":0,"list":[]})");
    if (req.target == "/api/v1/tasks/3") return testing::ok_json(R"({"id":3,"hosts":[]})");
    return testing::err_json(404, "no such route " + req.target);
  });
  ServerApi api = api_on(server);
  console.json = true;
  EXPECT_EQ(agents_command(api, 0, console), kExitOk);
  EXPECT_EQ(task_list_command(api, "", 5, console), kExitOk);
  EXPECT_EQ(task_show_command(api, 3, false, console), kExitOk);
  std::istringstream docs(out.str());
  json a, l, t;
  docs >> a >> l >> t;
  EXPECT_EQ(a, json::parse(R"([{"ident":"web-01","protocol":"native"}])"));
  EXPECT_EQ(l, json::parse(R"({"total":0,"list":[]})"));
  EXPECT_EQ(t["id"], 3);
}

TEST_F(Fixture, TimesAreLocalWithTheirOffsetOrUtcWithAFlag) {
  ::setenv("TZ", "Asia/Kolkata", 1);
  ::tzset();
  FakeHttpServer server([](const SeenRequest&) {
    return testing::ok_json(R"([{"ident":"w","protocol":"native","remote":"r","connected_ms":1700000000000,"last_seen_ms":0}])");
  });
  ServerApi api = api_on(server);
  EXPECT_EQ(agents_command(api, 1700000100000, console), kExitOk);
  EXPECT_NE(out.str().find("2023-11-15 03:43:20 +0530"), std::string::npos) << out.str();
  out.str("");
  console.utc = true;
  EXPECT_EQ(agents_command(api, 1700000100000, console), kExitOk);
  EXPECT_NE(out.str().find("2023-11-14 22:13:20 +0000"), std::string::npos) << out.str();
  ::setenv("TZ", "UTC", 1);
  ::tzset();
}

TEST_F(Fixture, CheckRulesReportsEveryProblemWithItsLineOffline) {
  mend::testing::TempDir tmp;
  const std::string dir = tmp.path().string();
  const std::string good = dir + "/good.yaml", bad = dir + "/bad.yaml";
  std::ofstream(good) << "templates:\n  t: {title: T, account: root, script: echo}\nrules:\n"
                         "  - {name: r, template: t, matchers: ['alertname=\"X\"']}\n";
  std::ofstream(bad) << "templates:\n  t: {title: T, account: root, script: echo}\nrules:\n"
                        "  - {name: r, template: nope, matchers: ['alertname=\"X\"']}\n"
                        "  - {name: s, template: t, matchers: ['alertname==\"X\"']}\n";
  EXPECT_EQ(check_rules_command(good, {}, console), kExitOk);
  EXPECT_EQ(out.str(), good + ": 1 template, 1 rule: OK\n");
  EXPECT_EQ(check_rules_command(bad, {}, console), kExitHostsFailed);
  EXPECT_NE(err.str().find("bad.yaml:4"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("bad.yaml:5"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("'==' is not an operator"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("unknown template \"nope\" (known: t)"), std::string::npos) << err.str();
  err.str("");
  EXPECT_EQ(check_rules_command(dir + "/missing.yaml", {}, console), kExitError);
  EXPECT_NE(err.str().find("No such file or directory"), std::string::npos) << err.str();
}

TEST_F(Fixture, ReloadPostsAndSaysWhatIsInUse) {
  FakeHttpServer server([](const SeenRequest& req) {
    EXPECT_EQ(req.method, "POST");
    EXPECT_EQ(req.target, "/api/v1/reload");
    return testing::ok_json(R"({"rules":2,"templates":3})");
  });
  ServerApi api = api_on(server);
  EXPECT_EQ(reload_command(api, console), kExitOk);
  EXPECT_EQ(out.str(), "rules reloaded: 2 rules, 3 templates in use\n");
}

}  // namespace
}  // namespace mend::cli
