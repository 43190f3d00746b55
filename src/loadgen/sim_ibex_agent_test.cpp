// One simulated Ibex-protocol agent against a small in-test server on
// 127.0.0.1 that speaks the server side of Ibex's RPC (the codec mend-server
// uses), so the exchange is checked frame by frame.
#include "loadgen/sim_ibex_agent.hpp"

#include <gtest/gtest.h>

#include <array>

#include "proto/ibex_rpc_codec.hpp"
#include "testing/run_exchange.hpp"

namespace mend::loadgen {
namespace {

using namespace std::chrono_literals;

template <class T>
T as(const ibex_rpc::DecodedRequest& r) {
  if (auto* t = std::get_if<T>(&*r.call)) return *t;
  throw std::runtime_error("unexpected call " + r.method);
}

// Replies built outside the coroutines: GCC 12 refuses aggregates of string
// literals inside a co_await expression ("array used as initializer").
ibex_rpc::Reply start_reply(int64_t task, int64_t clock) {
  return ibex_rpc::ReportReply{"", {ibex_rpc::AssignTask{task, clock, "start"}}};
}
ibex_rpc::Reply meta_reply(const std::string& script) {
  return ibex_rpc::TaskMetaReply{"", script, "", "root", ""};
}
ibex_rpc::Reply busy_reply() {
  return ibex_rpc::ReportReply{"mend: cannot record results now, report again", {}};
}

struct IbexHarness {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  IbexFleetStats stats;
  IbexBehaviour behaviour{10ms, 0ms, "out"};
  std::unique_ptr<SimIbexAgent> agent;
  ibex_rpc::FrameSplitter splitter;


  // The next request on `s` (thrown on failure: ASSERT cannot return from a coroutine).
  awaitable<ibex_rpc::DecodedRequest> next(tcp::socket& s) {
    std::array<char, 4096> buf;
    for (;;) {
      auto f = splitter.next();
      if (!f.ok()) throw std::runtime_error(f.error().message);
      if (f->has_value()) {
        auto r = ibex_rpc::decode_request(**f);
        if (!r.ok() || !r->call.ok()) throw std::runtime_error("bad request");
        co_return std::move(r).value();
      }
      size_t n = co_await s.async_read_some(asio::buffer(buf), asio::use_awaitable);
      splitter.append(std::string_view(buf.data(), n));
    }
  }
  awaitable<void> answer(tcp::socket& s, uint32_t msgid, const ibex_rpc::Reply& reply) {
    const std::string frame = ibex_rpc::encode_reply(msgid, reply);
    co_await asio::async_write(s, asio::buffer(frame), asio::use_awaitable);
  }
  // Answers the agent's first heartbeat with task `task` (at `clock`) to
  // start, and its TaskMeta call with `script`: the agent then runs it.
  awaitable<void> start_task(tcp::socket& s, int64_t task, int64_t clock, std::string script) {
    auto first = co_await next(s);
    EXPECT_EQ(as<ibex_rpc::ReportRequest>(first).ident, "ibex-1");
    EXPECT_TRUE(as<ibex_rpc::ReportRequest>(first).tasks.empty());
    const ibex_rpc::Reply start = start_reply(task, clock);
    co_await answer(s, first.msgid, start);
    auto meta = co_await next(s);
    EXPECT_EQ(as<ibex_rpc::TaskMetaRequest>(meta).task_id, task);
    const ibex_rpc::Reply meta_answer = meta_reply(script);
    co_await answer(s, meta.msgid, meta_answer);
  }

  // Starts the agent and plays `script`, the server's side.
  void run(std::function<awaitable<void>()> script) {
    agent = std::make_unique<SimIbexAgent>(io.get_executor(), acceptor.local_endpoint(), "ibex-1", 0ms,
                                           behaviour, stats);
    asio::co_spawn(io, agent->run(), asio::detached);
    auto r = testing::run_exchange(io, std::move(script), [&] { agent->stop(); });
    EXPECT_TRUE(r.ok()) << r.error().message;
  }
};

TEST(SimIbexAgent, FetchesTheScriptReportsTheResultUntilSettledAndRunsItOnlyOnce) {
  IbexHarness h;
  h.run([&]() -> awaitable<void> {
    tcp::socket s = co_await h.acceptor.async_accept(asio::use_awaitable);
    co_await h.start_task(s, 7, 70, "echo hi");
    const ibex_rpc::Reply start = start_reply(7, 70);
    // The result comes with the next heartbeat, and again while the task is listed.
    for (int i = 0; i < 2; ++i) {
      auto beat = co_await h.next(s);
      auto tasks = as<ibex_rpc::ReportRequest>(beat).tasks;
      EXPECT_EQ(tasks.size(), 1u);
      if (tasks.size() == 1) {
        EXPECT_EQ(tasks[0].id, 7);
        EXPECT_EQ(tasks[0].clock, 70);
        EXPECT_EQ(tasks[0].status, "success");
        EXPECT_EQ(tasks[0].stdout_text, "out");
      }
      co_await h.answer(s, beat.msgid, start);  // still listed: not settled, never run twice
    }
    auto beat = co_await h.next(s);
    const ibex_rpc::Reply nothing = ibex_rpc::ReportReply{};
    co_await h.answer(s, beat.msgid, nothing);
    auto after = co_await h.next(s);
    EXPECT_TRUE(as<ibex_rpc::ReportRequest>(after).tasks.empty());
  });
  EXPECT_EQ(h.stats.starts, 1u);
  EXPECT_EQ(h.stats.metas, 1u);
  EXPECT_EQ(h.stats.results, 1u);
  EXPECT_EQ(h.stats.settled, 1u);
}

TEST(SimIbexAgent, AReportAnsweredWithAMessageKeepsTheResultForTheNextHeartbeat) {
  IbexHarness h;
  h.run([&]() -> awaitable<void> {
    tcp::socket s = co_await h.acceptor.async_accept(asio::use_awaitable);
    co_await h.start_task(s, 3, 30, "true");
    auto beat = co_await h.next(s);
    EXPECT_EQ(as<ibex_rpc::ReportRequest>(beat).tasks.size(), 1u);
    // The database is away: the server asks for the results again.
    const ibex_rpc::Reply busy = busy_reply();
    co_await h.answer(s, beat.msgid, busy);
    auto again = co_await h.next(s);
    EXPECT_EQ(as<ibex_rpc::ReportRequest>(again).tasks.size(), 1u);
  });
  EXPECT_EQ(h.stats.results, 1u);
  EXPECT_EQ(h.stats.settled, 0u);
}

}  // namespace
}  // namespace mend::loadgen
