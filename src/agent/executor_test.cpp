#include "agent/executor.hpp"

#include <signal.h>

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "common/strings.hpp"
#include "testing/assigns.hpp"
#include "testing/temp_dir.hpp"

namespace mend::agent {

namespace {

struct RunOutcome {
  proto::ResultMsg result;
  int started = 0;
  std::vector<proto::Output> outputs;
  std::chrono::milliseconds took{};
};

proto::Assign assign(const std::string& script, const std::string& args = "") {
  proto::Assign a = testing::root_assign(42, 7, "test-host", script, 20);
  a.args = args;
  return a;
}

class ExecutorTest : public ::testing::Test {
 protected:
  // Runs one dispatch to its end. `during` is called once the script started.
  RunOutcome run(proto::Assign a, ExecOptions opts = {},
          std::function<void(Execution&)> during = {}) {
    asio::io_context io;
    ChildReaper reaper(io.get_executor());
    RunOutcome out;
    if (opts.ident.empty()) opts.ident = "test-host";
    std::shared_ptr<Execution> exec;
    exec = std::make_shared<Execution>(
        io.get_executor(), reaper, a, tmp.path() / "d" / "script", opts,
        [&](const proto::Started& s) {
          EXPECT_EQ(s.dispatch_id, a.dispatch_id);
          ++out.started;
          if (during) asio::post(io, [&] { during(*exec); });
        },
        [&](const proto::Output& o) { out.outputs.push_back(o); });
    bool done = false;
    auto t0 = std::chrono::steady_clock::now();
    asio::co_spawn(io, exec->run(), [&](std::exception_ptr e, proto::ResultMsg r) {
      EXPECT_FALSE(e);
      out.result = std::move(r);
      done = true;
      reaper.stop();
    });
    io.run_for(std::chrono::seconds(30));
    EXPECT_TRUE(done) << "execution did not finish";
    out.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    return out;
  }

  // Runs `script` until its 1 s timeout, with 300 ms between TERM and KILL.
  RunOutcome run_to_timeout(const std::string& script) {
    auto a = assign(script);
    a.timeout_s = 1;
    ExecOptions opts;
    opts.kill_grace = std::chrono::milliseconds(300);
    return run(a, opts);
  }

  testing::TempDir tmp;
};

// Gone, or a zombie nobody reaps yet (PID 1 in a container may never do it).
bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return true;
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

bool wait_gone(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    if (process_gone(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

TEST_F(ExecutorTest, ExitZeroIsSuccess) {
  auto r = run(assign("echo hi; echo oops >&2"));
  EXPECT_EQ(r.result.status, proto::RunOutcome::success);
  EXPECT_EQ(r.result.exit_code, 0);
  EXPECT_EQ(r.result.stdout_text, "hi\n");
  EXPECT_EQ(r.result.stderr_text, "oops\n");
  EXPECT_EQ(r.result.dispatch_id, 42);
  EXPECT_EQ(r.result.task_id, 7);
  EXPECT_EQ(r.started, 1);
}

TEST_F(ExecutorTest, NonZeroExitIsFailed) {
  auto r = run(assign("exit 3"));
  EXPECT_EQ(r.result.status, proto::RunOutcome::failed);
  EXPECT_EQ(r.result.exit_code, 3);
}

TEST_F(ExecutorTest, StdinReachesTheScript) {
  auto a = assign("cat; echo");
  a.stdin_text = "{\"alert\":\"disk full\"}";
  auto r = run(a);
  EXPECT_EQ(r.result.stdout_text, "{\"alert\":\"disk full\"}\n");
}

TEST_F(ExecutorTest, ScriptThatIgnoresStdinStillFinishes) {
  auto a = assign("exit 0");
  a.stdin_text = std::string(1 << 20, 'x');  // larger than a pipe buffer
  auto r = run(a);
  EXPECT_EQ(r.result.status, proto::RunOutcome::success);
}

TEST_F(ExecutorTest, ArgsAreSingleArgvElementsNeverReparsed) {
  std::string marker = (tmp.path() / "pwned").string();
  auto r = run(assign("for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done",
                      "a b,,'q' \"d\",,$(touch " + marker + "),,;ls,,"));
  EXPECT_EQ(r.result.stdout_text,
            "[a b]\n['q' \"d\"]\n[$(touch " + marker + ")]\n[;ls]\n[]\n");
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(ExecutorTest, EmptyArgsMeansNoArguments) {
  auto r = run(assign("echo $#"));
  EXPECT_EQ(r.result.stdout_text, "0\n");
}

TEST_F(ExecutorTest, CleanEnvironmentWithMendVariables) {
  auto r = run(assign("echo \"$MEND_TASK_ID|$MEND_HOST|$MEND_DISPATCH_ID|$USER|$LOGNAME|$HOME\"; "
                      "test -n \"$PATH\" && echo path; echo \"${MEND_AGENT_TOKEN:-none}\""));
  EXPECT_EQ(r.result.stdout_text, "7|test-host|42|root|root|/root\npath\nnone\n");
}

TEST_F(ExecutorTest, ShebangScriptIsExecutedDirectly) {
  auto r = run(assign("#!/bin/cat\nhello"));
  EXPECT_EQ(r.result.status, proto::RunOutcome::success);
  EXPECT_EQ(r.result.stdout_text, "#!/bin/cat\nhello");
}

TEST_F(ExecutorTest, ScriptWithoutShebangRunsUnderSh) {
  auto r = run(assign("echo \"$0\"; echo $((1+2))"));
  EXPECT_EQ(r.result.stdout_text, (tmp.path() / "d" / "script").string() + "\n3\n");
}

TEST_F(ExecutorTest, ScriptFileIsPrivate) {
  auto r = run(assign("stat -c %a \"$0\""));
  EXPECT_EQ(r.result.stdout_text, "700\n");
}

TEST_F(ExecutorTest, TimeoutKillsTheWholeProcessGroup) {
  auto r = run_to_timeout("sleep 100 & echo $!; sleep 100");
  EXPECT_EQ(r.result.status, proto::RunOutcome::timeout);
  EXPECT_LT(r.took, std::chrono::seconds(5));
  pid_t child = std::stoi(r.result.stdout_text);
  EXPECT_TRUE(wait_gone(child)) << "background child " << child << " survived";
}

TEST_F(ExecutorTest, TimeoutEscalatesToSigkillWhenTermIsIgnored) {
  auto r = run_to_timeout("trap '' TERM; sleep 100 & echo $!; sleep 100");
  EXPECT_EQ(r.result.status, proto::RunOutcome::timeout);
  pid_t child = std::stoi(r.result.stdout_text);
  EXPECT_TRUE(wait_gone(child));
}

TEST_F(ExecutorTest, KillFromServerReportsKilled) {
  auto r = run(assign("echo started; sleep 100"), {}, [](Execution& e) { e.kill(); });
  EXPECT_EQ(r.result.status, proto::RunOutcome::killed);
  EXPECT_LT(r.took, std::chrono::seconds(5));
}

TEST_F(ExecutorTest, UnknownAccountFailsAtOnce) {
  auto a = assign("echo never");
  a.account = "no-such-user-mend";
  auto r = run(a);
  EXPECT_EQ(r.result.status, proto::RunOutcome::failed);
  EXPECT_EQ(r.started, 0);
  EXPECT_NE(r.result.message.find("unknown account 'no-such-user-mend'"), std::string::npos);
  EXPECT_NE(r.result.stderr_text.find("unknown account"), std::string::npos);
}

TEST_F(ExecutorTest, RunsAsAnotherAccountWhenRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto a = assign("id -u; id -g; echo $USER");
  a.account = "nobody";
  auto r = run(a);
  EXPECT_EQ(r.result.status, proto::RunOutcome::success) << r.result.stderr_text;
  EXPECT_EQ(r.result.stdout_text, "65534\n65534\nnobody\n");
}

TEST_F(ExecutorTest, BinaryOutputIsSanitised) {
  auto r = run(assign("printf 'a\\377\\376b'"));
  EXPECT_EQ(r.result.stdout_text, "a\xEF\xBF\xBD\xEF\xBF\xBD" "b");
  EXPECT_EQ(sanitize_utf8(r.result.stdout_text), r.result.stdout_text);
}

TEST_F(ExecutorTest, OutputIsLimitedWithHeadAndTail) {
  ExecOptions opts;
  opts.output_limit = 1000;
  auto r = run(assign("echo START; head -c 100000 /dev/zero | tr '\\0' x; echo; echo END"), opts);
  EXPECT_EQ(r.result.status, proto::RunOutcome::success);
  EXPECT_EQ(r.result.stdout_text.rfind("START\n", 0), 0u);
  EXPECT_NE(r.result.stdout_text.find("bytes dropped]"), std::string::npos);
  EXPECT_EQ(r.result.stdout_text.substr(r.result.stdout_text.size() - 4), "END\n");
  EXPECT_EQ(r.result.stdout_dropped, 6 + 100000 + 1 + 4 - 1000);
}

TEST_F(ExecutorTest, DaemonHoldingPipesDoesNotBlockTheResult) {
  auto r = run(assign("sleep 30 & echo $!; echo done"));
  EXPECT_EQ(r.result.status, proto::RunOutcome::success);
  EXPECT_LT(r.took, std::chrono::seconds(3));
  pid_t daemon = std::stoi(r.result.stdout_text);
  EXPECT_FALSE(process_gone(daemon)) << "normal exit must not kill the group";
  ::kill(daemon, SIGKILL);
}

TEST_F(ExecutorTest, LiveOutputIsSentWhileRunning) {
  ExecOptions opts;
  opts.output_interval = std::chrono::milliseconds(100);
  auto r = run(assign("echo one; sleep 0.5; echo two"), opts);
  ASSERT_FALSE(r.outputs.empty());
  EXPECT_EQ(r.outputs.front().stdout_text, "one\n");
  EXPECT_EQ(r.outputs.front().dispatch_id, 42);
  // Only changes are sent: far fewer than the 5 ticks of the run.
  EXPECT_LE(r.outputs.size(), 2u);
  EXPECT_EQ(r.result.stdout_text, "one\ntwo\n");
}

TEST_F(ExecutorTest, MissingInterpreterFailsWithAMessage) {
  auto r = run(assign("#!/no/such/interpreter\necho"));
  EXPECT_EQ(r.result.status, proto::RunOutcome::failed);
  EXPECT_NE(r.result.message.find("execve"), std::string::npos) << r.result.message;
}


TEST_F(ExecutorTest, ServerEnvironmentReachesTheScriptButCannotOverrideOrEscape) {
  auto a = assign("echo \"$MEND_ALERT_NAME|$MEND_TASK_ID|${LD_PRELOAD-unset}\"");
  a.env = {{"MEND_ALERT_NAME", "Disk $(full)"}, {"MEND_TASK_ID", "999"}, {"LD_PRELOAD", "/tmp/x.so"}};
  auto r = run(a);
  EXPECT_EQ(r.result.stdout_text, "Disk $(full)|7|unset\n");
}

}  // namespace mend::agent
