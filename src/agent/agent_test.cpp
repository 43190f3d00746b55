// The agent against a small in-test WebSocket server (the real server side
// does not exist yet): Hello/Welcome, Assign -> Started/Output/Result, Ack,
// re-send after reconnect, kill, lost-after-restart, fail-over.
#include "agent/agent.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/exception_message.hpp"
#include "common/failpoint.hpp"
#include "testing/assigns.hpp"
#include "testing/fake_agent_server.hpp"
#include "testing/fake_clock.hpp"
#include "testing/temp_dir.hpp"

namespace mend::agent {

namespace {

using FakeServer = testing::FakeAgentServer;

proto::Assign assign(int64_t id, const std::string& script) {
  return testing::root_assign(id, 500 + id, "agent-1", script, 10);
}

class AgentTest : public ::testing::Test {
 protected:
  AgentTest() : server(io) {}

  // Starts an agent on `spool_dir` with the given server URLs and runs `body`
  // (the server's side of the conversation) until it returns.
  void run(std::vector<std::string> servers, std::function<awaitable<void>()> body) {
    AgentConfig cfg;
    cfg.servers = servers;
    cfg.ident = "agent-1";
    cfg.token = "s3cret";
    cfg.kill_grace = std::chrono::milliseconds(200);
    cfg.resend_interval = std::chrono::milliseconds(300);
    auto spool = Spool::open(spool_dir());
    ASSERT_TRUE(spool);
    ConnectionOptions conn;
    conn.servers = servers;
    conn.hello = proto::Hello{cfg.ident, cfg.token, "test"};
    conn.backoff_initial = std::chrono::milliseconds(50);
    conn.seed = 7;
    Agent agent(io.get_executor(), cfg, std::move(*spool), conn, clock ? *clock : real_clock(),
                runner ? *runner : posix_process_runner());
    ASSERT_TRUE(agent.start());
    current = &agent;
    bool done = false;
    asio::co_spawn(io, agent.run(), asio::detached);
    asio::co_spawn(io, body(), [&](std::exception_ptr e) {
      if (e) ADD_FAILURE() << "server side failed: " << exception_message(e);
      done = true;
      agent.stop();
    });
    io.run_for(std::chrono::seconds(30));
    current = nullptr;
    EXPECT_TRUE(done) << "scenario did not finish";
  }

  std::filesystem::path spool_dir() const { return tmp.path() / "spool"; }

  // The server's side of a dispatch. Each takes plain values and encodes into
  // a named local: GCC 12 mishandles a std::string temporary inside a co_await
  // expression, so a script built at run time is passed as a named string.
  static awaitable<void> send_assign(FakeServer::WS& ws, int64_t id, std::string_view script) {
    const std::string frame = proto::encode(assign(id, std::string(script)));
    co_await FakeServer::send(ws, frame);
  }
  static awaitable<void> send_ack(FakeServer::WS& ws, int64_t id) {
    const std::string frame = proto::encode(proto::Ack{id});
    co_await FakeServer::send(ws, frame);
  }
  static awaitable<void> send_kill(FakeServer::WS& ws, int64_t id, int64_t task_id) {
    const std::string frame = proto::encode(proto::Kill{id, task_id});
    co_await FakeServer::send(ws, frame);
  }

  testing::TempDir tmp;
  // A file the scripts below leave behind when they run.
  const std::filesystem::path marker = tmp.path() / "ran";
  const std::string touch_marker = "touch " + marker.string();
  const std::string append_run = "echo run >> " + marker.string();
  asio::io_context io;
  FakeServer server;
  const Clock* clock = nullptr;     // the system clock unless set
  ProcessRunner* runner = nullptr;  // real processes unless set
  Agent* current = nullptr;         // the agent run() serves, while it does
};

// Starts nothing: every start fails as an exec of a missing program would.
class RefusingRunner final : public ProcessRunner {
 public:
  Result<Spawned> spawn(const SpawnRequest& req) override {
    ++calls;
    return make_error(ErrorCode::internal, "cannot start " + req.path + ": execve: refused by the test");
  }
  int calls = 0;
};

}  // namespace

TEST_F(AgentTest, RunsAssignmentAndResendsResultAfterReconnectUntilAcked) {
  const std::string run_and_print = "echo run >> " + marker.string() + "; echo hi; echo err >&2";
  run({server.url()}, [&]() -> awaitable<void> {
    auto ws = co_await server.accept();
    EXPECT_EQ(server.last_hello.ident, "agent-1");
    EXPECT_EQ(server.last_hello.token, "s3cret");
    EXPECT_EQ(server.last_hello.protocol, proto::kProtocolVersion);
    co_await send_assign(*ws, 11, run_and_print);
    std::vector<proto::Message> before;
    auto r = co_await FakeServer::recv_until<proto::ResultMsg>(*ws, &before);
    EXPECT_FALSE(before.empty());
    if (!before.empty()) {
      EXPECT_TRUE(std::holds_alternative<proto::Started>(before.front()));
    }
    EXPECT_EQ(r.dispatch_id, 11);
    EXPECT_EQ(r.task_id, 511);
    EXPECT_EQ(r.status, proto::RunOutcome::success);
    EXPECT_EQ(r.stdout_text, "hi\n");
    EXPECT_EQ(r.stderr_text, "err\n");

    // Drop the connection without an ack: the result must come back.
    beast::get_lowest_layer(*ws).close();
    ws.reset();
    auto ws2 = co_await server.accept();
    auto again = co_await FakeServer::recv_until<proto::ResultMsg>(*ws2);
    EXPECT_EQ(again.dispatch_id, 11);
    EXPECT_EQ(again.stdout_text, "hi\n");
    co_await send_ack(*ws2, 11);

    // A late re-Assign is answered from the tombstone, never run again.
    co_await send_assign(*ws2, 11, append_run);
    auto third = co_await FakeServer::recv_until<proto::ResultMsg>(*ws2);
    EXPECT_EQ(third.dispatch_id, 11);
    EXPECT_EQ(third.status, proto::RunOutcome::success);
    EXPECT_EQ(server.hellos, 2);
  });
  EXPECT_EQ(mend::testing::read_file(marker), "run\n");
  auto spool = Spool::open(spool_dir());
  EXPECT_EQ(spool->state(11), DispatchState::done);
  EXPECT_FALSE(std::filesystem::exists(spool->dispatch_dir(11)));
}

TEST_F(AgentTest, ResendsUnackedResultWhileConnected) {
  run({server.url()}, [&]() -> awaitable<void> {
    auto ws = co_await server.accept();
    co_await send_assign(*ws, 12, "exit 4");
    auto r = co_await FakeServer::recv_until<proto::ResultMsg>(*ws);
    EXPECT_EQ(r.status, proto::RunOutcome::failed);
    EXPECT_EQ(r.exit_code, 4);
    auto again = co_await FakeServer::recv_until<proto::ResultMsg>(*ws);
    EXPECT_EQ(again.dispatch_id, 12);
    co_await send_ack(*ws, 12);
  });
}

TEST_F(AgentTest, KillStopsARunningScript) {
  run({server.url()}, [&]() -> awaitable<void> {
    auto ws = co_await server.accept();
    co_await send_assign(*ws, 13, "sleep 100");
    co_await FakeServer::recv_until<proto::Started>(*ws);
    // A repeated Assign while it runs is ignored.
    co_await send_assign(*ws, 13, "sleep 100");
    co_await send_kill(*ws, 13, 513);
    auto r = co_await FakeServer::recv_until<proto::ResultMsg>(*ws);
    EXPECT_EQ(r.dispatch_id, 13);
    EXPECT_EQ(r.status, proto::RunOutcome::killed);
    co_await send_ack(*ws, 13);
  });
}

TEST_F(AgentTest, KillOfUnknownDispatchStopsALaterAssign) {
  run({server.url()}, [&]() -> awaitable<void> {
    auto ws = co_await server.accept();
    co_await send_kill(*ws, 14, 514);
    auto r = co_await FakeServer::recv_until<proto::ResultMsg>(*ws);
    EXPECT_EQ(r.status, proto::RunOutcome::killed);
    co_await send_assign(*ws, 14, touch_marker);
    auto r2 = co_await FakeServer::recv_until<proto::ResultMsg>(*ws);
    EXPECT_EQ(r2.dispatch_id, 14);
    EXPECT_EQ(r2.status, proto::RunOutcome::killed);
  });
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(AgentTest, DispatchInterruptedByRestartIsReportedLostNotRerun) {
  {
    auto spool = Spool::open(spool_dir());
    ASSERT_TRUE(spool);
    ASSERT_TRUE(spool->record_assign(assign(15, touch_marker)));
  }
  run({server.url()}, [&]() -> awaitable<void> {
    auto ws = co_await server.accept();
    auto r = co_await FakeServer::recv_until<proto::ResultMsg>(*ws);
    EXPECT_EQ(r.dispatch_id, 15);
    EXPECT_EQ(r.task_id, 515);
    EXPECT_EQ(r.status, proto::RunOutcome::lost);
    EXPECT_EQ(r.message, kLostMessage);
    co_await send_assign(*ws, 15, touch_marker);
    auto r2 = co_await FakeServer::recv_until<proto::ResultMsg>(*ws);
    EXPECT_EQ(r2.status, proto::RunOutcome::lost);
  });
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(AgentTest, FailsOverAndRetriesAfterRefusal) {
  std::string dead;
  {
    // A port that was just free: nobody listens there.
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    dead = "http://127.0.0.1:" + std::to_string(a.local_endpoint().port());
  }
  run({dead, server.url()}, [&]() -> awaitable<void> {
    co_await server.accept(/*welcome=*/false);
    auto ws = co_await server.accept();
    co_await send_assign(*ws, 16, "echo ok");
    auto r = co_await FakeServer::recv_until<proto::ResultMsg>(*ws);
    EXPECT_EQ(r.status, proto::RunOutcome::success);
    EXPECT_EQ(server.hellos, 2);
  });
}

TEST_F(AgentTest, ASpoolThatCannotRecordRefusesTheDispatchAndTheAgentKeepsServing) {
  run({server.url()}, [&]() -> awaitable<void> {
    auto ws = co_await server.accept();
    arm_failpoints("agent.record=error");
    co_await send_assign(*ws, 17, append_run);
    auto r = co_await FakeServer::recv_until<proto::ResultMsg>(*ws);
    arm_failpoints("");
    EXPECT_EQ(r.dispatch_id, 17);
    EXPECT_EQ(r.status, proto::RunOutcome::failed);
    EXPECT_NE(r.message.find("cannot write its spool"), std::string::npos) << r.message;
    // Never recorded, so never started: a later Assign of it may run it.
    co_await send_assign(*ws, 17, append_run);
    auto r2 = co_await FakeServer::recv_until<proto::ResultMsg>(*ws);
    EXPECT_EQ(r2.status, proto::RunOutcome::success);
  });
  EXPECT_EQ(mend::testing::read_file(marker), "run\n");
}

TEST_F(AgentTest, AScriptThatCannotStartIsReportedFailedWithTheReason) {
  RefusingRunner refusing;
  runner = &refusing;
  run({server.url()}, [&]() -> awaitable<void> {
    auto ws = co_await server.accept();
    co_await send_assign(*ws, 19, "echo hi");
    auto r = co_await FakeServer::recv_until<proto::ResultMsg>(*ws);
    EXPECT_EQ(r.dispatch_id, 19);
    EXPECT_EQ(r.status, proto::RunOutcome::failed);
    EXPECT_NE(r.message.find("refused by the test"), std::string::npos) << r.message;
  });
  EXPECT_EQ(refusing.calls, 1);
}

TEST_F(AgentTest, AnAgentThatStopsTakingAssignmentsStillSendsResultsAndTakesAcks) {
  run({server.url()}, [&]() -> awaitable<void> {
    auto ws = co_await server.accept();
    co_await send_assign(*ws, 22, "echo hi");
    auto r = co_await FakeServer::recv_until<proto::ResultMsg>(*ws);
    EXPECT_EQ(r.status, proto::RunOutcome::success);
    current->stop_taking_assignments();
    co_await send_assign(*ws, 23, touch_marker);
    co_await send_ack(*ws, 22);
    // A repeat of a finished dispatch is still answered from its tombstone,
    // which says the agent read the frames sent before it. (Re-sends of the
    // result, from before the ack, may come first.)
    co_await send_assign(*ws, 22, "echo hi");
    proto::ResultMsg again;
    while (again.message.find("acknowledged") == std::string::npos)
      again = co_await FakeServer::recv_until<proto::ResultMsg>(*ws);
    EXPECT_EQ(again.dispatch_id, 22);
    EXPECT_EQ(current->pending_count(), 0u);
    EXPECT_TRUE(current->connected());
  });
  EXPECT_FALSE(std::filesystem::exists(marker)) << "an assignment taken while stopping ran";
  auto spool = Spool::open(spool_dir());
  EXPECT_EQ(spool->state(22), DispatchState::done);
  EXPECT_EQ(spool->state(23), DispatchState::unknown)
      << "an assignment taken while stopping was recorded";
}

TEST_F(AgentTest, TombstonesOlderThanAWeekByTheAgentsClockArePrunedAtStart) {
  {
    auto spool = Spool::open(spool_dir());
    ASSERT_TRUE(spool);
    ASSERT_TRUE(spool->record_assign(assign(21, "true")));
    proto::ResultMsg done;
    done.dispatch_id = 21;
    done.task_id = 521;
    done.status = proto::RunOutcome::success;
    ASSERT_TRUE(spool->write_result(done));
    ASSERT_TRUE(spool->mark_done(21));
  }
  const auto stone = spool_dir() / "done" / "21";
  ASSERT_TRUE(std::filesystem::exists(stone));
  mend::testing::FakeClock now;
  now.set_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count());
  clock = &now;
  run({server.url()}, [&]() -> awaitable<void> { co_await server.accept(); });
  EXPECT_TRUE(std::filesystem::exists(stone)) << "a fresh tombstone was pruned";

  now.advance_ms(8 * 24 * 3600 * 1000LL);
  io.restart();
  run({server.url()}, [&]() -> awaitable<void> { co_await server.accept(); });
  EXPECT_FALSE(std::filesystem::exists(stone)) << "an 8-day-old tombstone was kept";
}

}  // namespace mend::agent
