// mend-loadgen's logic: option checks, the assignment log line, and one
// simulated agent against a small in-test WebSocket server on 127.0.0.1.
#include <gtest/gtest.h>

#include "loadgen/loadgen_options.hpp"
#include "loadgen/sim_agent.hpp"
#include "testing/fake_agent_server.hpp"
#include "testing/run_exchange.hpp"

namespace mend::loadgen {
namespace {

LoadgenOptions options(size_t count) {
  LoadgenOptions o;
  o.server = "http://127.0.0.1:1";
  o.count = count;
  return o;
}

TEST(LoadgenOptions, NamedAgentsComeFirstThenNumbered) {
  auto o = options(3);
  o.prefix = "h";
  o.first = 10;
  o.idents = {"target"};
  EXPECT_EQ(agent_idents(o), (std::vector<std::string>{"target", "h10", "h11", "h12"}));
}

TEST(LoadgenOptions, RefusesMoreAgentsThanOpenFiles) {
  auto o = options(20000);
  EXPECT_TRUE(validate(o, 20000 + kReservedFiles).ok());
  auto r = validate(o, 20000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("open files"), std::string::npos);
}

TEST(LoadgenOptions, RefusesNoAgentsNoServerAndBadRates) {
  EXPECT_FALSE(validate(options(0), 1000).ok());
  auto o = options(1);
  o.server.clear();
  EXPECT_FALSE(validate(o, 1000).ok());
  o = options(1);
  o.connect_rate = 0;
  EXPECT_FALSE(validate(o, 1000).ok());
  o = options(1);
  o.exec_time = std::chrono::milliseconds(-1);
  EXPECT_FALSE(validate(o, 1000).ok());
}

TEST(LoadgenOptions, IbexAgentsNeedTheIbexAddressInsteadOfTheServerUrl) {
  auto o = options(1);
  o.server.clear();
  o.ibex = "127.0.0.1:20090";
  EXPECT_TRUE(validate(o, 1000).ok());
  o.poll = std::chrono::milliseconds(0);
  auto bad_poll = validate(o, 1000);
  ASSERT_FALSE(bad_poll.ok());
  EXPECT_NE(bad_poll.error().message.find("--poll-ms"), std::string::npos);
  o = options(1);
  o.ibex = "127.0.0.1:20090";
  auto both = validate(o, 1000);
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.error().message.find("both"), std::string::npos);
}

TEST(LoadgenOptions, RefusesANamedAgentThatIsAlsoNumbered) {
  auto o = options(5);
  o.prefix = "lg-";
  o.idents = {"lg-3"};
  EXPECT_FALSE(validate(o, 1000).ok());
  o.idents = {"lg-5"};  // outside lg-0..lg-4
  EXPECT_TRUE(validate(o, 1000).ok());
  o.idents = {"x", "x"};
  EXPECT_FALSE(validate(o, 1000).ok());
}

TEST(AssignLog, LineIsTimeIdentTaskDispatch) {
  proto::Assign a;
  a.task_id = 7;
  a.dispatch_id = 42;
  EXPECT_EQ(assign_log_line(1700000000123456789, "h1", a), "1700000000123456789 h1 7 42");
}

// --- one simulated agent against a fake server ---

using testing::FakeAgentServer;

// The message as a T, or a failed test (thrown: ASSERT cannot return from a coroutine).
template <class T>
T as(const proto::Message& m) {
  if (auto* t = std::get_if<T>(&m)) return *t;
  throw std::runtime_error("unexpected message type");
}

std::string assign_frame(int64_t dispatch, int64_t task) {
  proto::Assign a;
  a.dispatch_id = dispatch;
  a.task_id = task;
  a.host = "sim-1";
  a.script = "echo never run";
  return proto::encode(a);
}

struct Harness {
  asio::io_context io;
  FakeAgentServer server{io};
  FleetStats stats;
  SimBehaviour behaviour;
  std::unique_ptr<SimAgent> agent;

  // Starts the agent with `behaviour` and plays `script`, the server's side.
  void run(std::function<awaitable<void>()> script) {
    agent::ConnectionOptions c;
    c.servers = {server.url()};
    c.hello = proto::Hello{"sim-1", "tok", "test"};
    agent = std::make_unique<SimAgent>(io.get_executor(), c, behaviour, stats, nullptr);
    asio::co_spawn(io, agent->run(), asio::detached);
    auto r = testing::run_exchange(io, std::move(script), [&] { agent->stop(); });
    EXPECT_TRUE(r.ok()) << r.error().message;
  }
};

TEST(SimAgent, AnswersAnAssignWithStartedAndSuccessAndRunsItOnlyOnce) {
  Harness h;
  h.run([&]() -> awaitable<void> {
    auto ws = co_await h.server.accept();
    EXPECT_EQ(h.server.last_hello.ident, "sim-1");
    const std::string a = assign_frame(5, 9);
    co_await FakeAgentServer::send(*ws, a);
    auto started = co_await FakeAgentServer::recv(*ws);
    EXPECT_EQ(as<proto::Started>(started).dispatch_id, 5);
    auto result = co_await FakeAgentServer::recv(*ws);
    EXPECT_EQ(as<proto::ResultMsg>(result).status, proto::RunOutcome::success);
    EXPECT_EQ(as<proto::ResultMsg>(result).task_id, 9);
    // Before the ack a repeated Assign gets the same result again...
    co_await FakeAgentServer::send(*ws, a);
    auto again = co_await FakeAgentServer::recv(*ws);
    EXPECT_EQ(as<proto::ResultMsg>(again).status, proto::RunOutcome::success);
    const std::string ack = proto::encode(proto::Ack{5});
    co_await FakeAgentServer::send(*ws, ack);
    // ...and after it, the dispatch is never run again.
    co_await FakeAgentServer::send(*ws, a);
    auto after = co_await FakeAgentServer::recv(*ws);
    EXPECT_EQ(as<proto::ResultMsg>(after).status, proto::RunOutcome::lost);
  });
  EXPECT_EQ(h.stats.assigns, 3u);
  EXPECT_EQ(h.stats.results, 1u);
  EXPECT_EQ(h.stats.acks, 1u);
}

TEST(SimAgent, KillDuringExecTimeReportsKilledAndNoSuccess) {
  Harness h;
  h.behaviour.exec_time = std::chrono::hours(1);
  h.run([&]() -> awaitable<void> {
    auto ws = co_await h.server.accept();
    const std::string a = assign_frame(6, 1);
    co_await FakeAgentServer::send(*ws, a);
    auto started = co_await FakeAgentServer::recv(*ws);
    EXPECT_TRUE(std::holds_alternative<proto::Started>(started));
    const std::string kill = proto::encode(proto::Kill{6, 1});
    co_await FakeAgentServer::send(*ws, kill);
    auto result = co_await FakeAgentServer::recv(*ws);
    EXPECT_EQ(as<proto::ResultMsg>(result).status, proto::RunOutcome::killed);
  });
  EXPECT_EQ(h.stats.kills, 1u);
}

TEST(SimAgent, ResendsUnacknowledgedResultsAfterReconnecting) {
  Harness h;
  h.run([&]() -> awaitable<void> {
    {
      auto ws = co_await h.server.accept();
      const std::string a = assign_frame(8, 2);
      co_await FakeAgentServer::send(*ws, a);
      (void)co_await FakeAgentServer::recv(*ws);  // started
      (void)co_await FakeAgentServer::recv(*ws);  // result, never acknowledged
      beast::get_lowest_layer(*ws).socket().close();
    }
    auto ws = co_await h.server.accept();
    auto resent = co_await FakeAgentServer::recv(*ws);
    EXPECT_EQ(as<proto::ResultMsg>(resent).dispatch_id, 8);
  });
  EXPECT_EQ(h.stats.welcomes, 2u);
}

}  // namespace
}  // namespace mend::loadgen
