// A real IbexRpcServer on 127.0.0.1:0 over a real Engine and an in-memory
// SQLite store, driven by a test client that speaks Ibex's agent protocol as
// the Go agent does (frames split across writes, several in one write).
#include "dispatch/ibex_rpc_server.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "common/asio.hpp"
#include "dispatch/fanout_agent_push.hpp"
#include "dispatch/host_protocols.hpp"
#include "testing/fake_clock.hpp"
#include "testing/ibex_test_agent.hpp"
#include "testing/recording_agent_push.hpp"

namespace mend {
namespace {

using namespace std::chrono_literals;
using namespace ibex_rpc;
using testing::TestAgent;

// The real store, counting the transactions that go through it.
class CountingStore final : public Store {
 public:
  explicit CountingStore(Store& inner) : inner_(inner) {}
  int transactions = 0;
  Result<void> transact(const TxFn& fn) override {
    ++transactions;
    return inner_.transact(fn);
  }
  Result<void> read(const TxFn& fn) override { return inner_.read(fn); }

 private:
  Store& inner_;
};

class IbexRpcServerTest : public ::testing::Test {
 protected:
  // The engine, store and clock belong to the io thread: tests reach them here.
  template <class F>
  auto run_io(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    asio::post(ioc, [&] { task(); });
    return fut.get();
  }

  void SetUp() override {
    auto s = open_store("sqlite::memory:");
    ASSERT_TRUE(s.ok()) << s.error().message;
    store = std::move(s).value();
    push.add(native);
    push.add(book);
    counting = std::make_unique<CountingStore>(*store);
    engine = std::make_unique<Engine>(*counting, clock, push, metrics);
    batcher = std::make_unique<ReportBatcher>(ioc.get_executor(), *engine);
    protocols = std::make_unique<HostProtocols>(ioc.get_executor(), *store, clock,
                                                std::vector<std::string>{"web-*"});
    server = start_server({});
    ASSERT_NE(server, nullptr);
    io_thread = std::thread([this] { ioc.run(); });
  }

  void TearDown() override {
    run_io([&] {
      for (auto& s : servers) s->stop();
      return 0;
    });
    work.reset();
    ioc.stop();
    io_thread.join();
  }

  IbexRpcServer* start_server(std::vector<std::string> allow,
                              std::chrono::milliseconds idle = 10'000ms,
                              std::chrono::milliseconds native_recheck = 5'000ms) {
    IbexRpcServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.idle_timeout = idle;
    o.native_recheck = native_recheck;
    o.max_frame_bytes = 64 * 1024;
    for (auto& a : allow) o.allow.push_back(*IbexCidr::parse(a));
    auto s = IbexRpcServer::start(ioc, *engine, *store, *batcher, book, *protocols, clock, o);
    EXPECT_TRUE(s.ok()) << s.error().message;
    if (!s.ok()) return nullptr;
    servers.push_back(std::move(s).value());
    return servers.back().get();
  }

  int64_t create(std::vector<std::string> hosts, int timeout_s = 30) {
    TaskSpec t;
    t.title = "fix FH: " + hosts.front();
    t.account = "root";
    t.script = "#!/bin/sh\necho hello $1 $2; cat";
    t.args = "a b,,c";
    t.stdin_text = "{\"k\":\"v\"}";
    t.creator = "test";
    t.timeout_s = timeout_s;
    t.hosts = std::move(hosts);
    auto id = run_io([&] { return engine->create_task(t); });
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : 0;
  }

  HostRun host(int64_t task_id, const std::string& h) {
    auto v = run_io([&] { return engine->view(task_id); });
    EXPECT_TRUE(v.ok());
    if (v.ok())
      for (auto& run : v->hosts)
        if (run.host == h) return run;
    return HostRun{};
  }

  bool done(int64_t task_id) {
    auto v = run_io([&] { return engine->view(task_id); });
    return v.ok() && v->task.done;
  }

  uint16_t port() const { return server->port(); }

  // Waits until the start of `h`'s run is recorded: starts are committed
  // after the reply carrying them is written.
  bool started(int64_t task_id, const std::string& h) {
    for (int i = 0; i < 400; ++i) {
      if (host(task_id, h).status == HostStatus::running && start_recorded(task_id, h)) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }
  bool start_recorded(int64_t task_id, const std::string& h) {
    int64_t dispatch_id = host(task_id, h).dispatch_id;
    return run_io([&] {
      std::optional<Dispatch> d;
      auto r = store->read([&](StoreTx& tx) -> Result<void> {
        MEND_ASSIGN_OR_RETURN(d, tx.find_dispatch(dispatch_id));
        return ok();
      });
      return r.ok() && d && d->started_ms != 0;
    });
  }

  testing::FakeClock clock;
  std::unique_ptr<Store> store;
  testing::RecordingAgentPush native;  // stands in for the native agent hub
  IbexAssignmentBook book;
  CompositeAgentPush push;
  EngineMetrics metrics;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<CountingStore> counting;  // the engine's view of `store`
  asio::io_context ioc;
  std::unique_ptr<ReportBatcher> batcher;  // as the agent gateway's
  std::unique_ptr<HostProtocols> protocols;  // Ibex agents may act for web-*
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{
      ioc.get_executor()};
  std::vector<std::unique_ptr<IbexRpcServer>> servers;
  IbexRpcServer* server = nullptr;
  std::thread io_thread;
};

TEST_F(IbexRpcServerTest, RunsATaskWithArgsAndStdinLikeIbex) {
  TestAgent agent(port());
  ASSERT_TRUE(agent.connected());
  auto pong = agent.call(PingRequest{}, ReplyKind::ping);
  EXPECT_EQ(std::get<PingReply>(pong.reply).text, "pong");

  int64_t task = create({"web-01"});
  HostRun run = host(task, "web-01");
  ASSERT_EQ(run.status, HostStatus::running);

  auto hb = agent.report("web-01");
  EXPECT_EQ(hb.message, "");
  ASSERT_EQ(hb.assign_tasks.size(), 1u);
  EXPECT_EQ(hb.assign_tasks[0].id, task);
  EXPECT_EQ(hb.assign_tasks[0].clock, run.dispatch_id);
  EXPECT_EQ(hb.assign_tasks[0].action, "start");

  // Handing the start to the agent counts as its start (recorded once the
  // reply is written, which may be just after the agent has read it).
  auto started = [&] {
    return run_io([&] {
      std::optional<Dispatch> d;
      auto r = store->read([&](StoreTx& tx) -> Result<void> {
        MEND_ASSIGN_OR_RETURN(d, tx.find_dispatch(run.dispatch_id));
        return ok();
      });
      return r.ok() && d && d->started_ms != 0;
    });
  };
  for (int i = 0; i < 200 && !started(); ++i) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(started());

  auto meta = agent.meta(task);
  EXPECT_EQ(meta.message, "");
  EXPECT_EQ(meta.script, "#!/bin/sh\necho hello $1 $2; cat");
  EXPECT_EQ(meta.args, "a b,,c");
  EXPECT_EQ(meta.account, "root");
  EXPECT_EQ(meta.stdin_text, "{\"k\":\"v\"}");

  // Still running: the agent keeps being told to run it.
  EXPECT_EQ(agent.report("web-01").assign_tasks.size(), 1u);

  ReportTask result{task, run.dispatch_id, "success", "hello a b c\n{\"k\":\"v\"}", ""};
  hb = agent.report("web-01", {result});
  EXPECT_EQ(hb.message, "");
  EXPECT_TRUE(hb.assign_tasks.empty());
  run = host(task, "web-01");
  EXPECT_EQ(run.status, HostStatus::success);
  EXPECT_EQ(run.stdout_text, "hello a b c\n{\"k\":\"v\"}");
  EXPECT_TRUE(done(task));
  EXPECT_TRUE(agent.report("web-01").assign_tasks.empty());

  // The agent repeats a result until it is no longer assigned: a no-op.
  ReportTask repeat = result;
  repeat.stdout_text = "changed";
  hb = agent.report("web-01", {repeat});
  EXPECT_TRUE(hb.assign_tasks.empty());
  EXPECT_EQ(host(task, "web-01").stdout_text, "hello a b c\n{\"k\":\"v\"}");
  EXPECT_EQ(run_io([&] { return metrics.results_applied; }), 1u);
  EXPECT_EQ(run_io([&] { return metrics.results_duplicate; }), 1u);
}

// Until the task's starts are recorded (after the replies carrying them are
// written), so that the results below are the only writes.
TEST_F(IbexRpcServerTest, ResultsInOneReportAreCommittedInOneTransaction) {
  std::vector<int64_t> tasks = {create({"web-01"}), create({"web-01"}), create({"web-01"})};
  TestAgent agent(port());
  ASSERT_EQ(agent.report("web-01").assign_tasks.size(), 3u);
  std::vector<ReportTask> results;
  for (int64_t task : tasks) {
    ASSERT_TRUE(started(task, "web-01"));
    results.push_back(ReportTask{task, host(task, "web-01").dispatch_id, "success", "ok", ""});
  }
  const int before = run_io([&] { return counting->transactions; });
  auto hb = agent.report("web-01", results);
  EXPECT_EQ(hb.message, "");
  EXPECT_TRUE(hb.assign_tasks.empty());
  // Answered after the commit: every result is there when the reply is.
  for (int64_t task : tasks) EXPECT_EQ(host(task, "web-01").status, HostStatus::success);
  EXPECT_EQ(run_io([&] { return counting->transactions; }) - before, 1);
}

TEST_F(IbexRpcServerTest, ResultsFromSeveralAgentsArrivingTogetherAreCommittedInOneBatch) {
  const std::vector<std::string> hosts = {"web-01", "web-02", "web-03"};
  int64_t task = create(hosts);
  std::vector<std::unique_ptr<TestAgent>> agents;
  for (const auto& h : hosts) {
    agents.push_back(std::make_unique<TestAgent>(port()));
    ASSERT_EQ(agents.back()->report(h).assign_tasks.size(), 1u);
  }
  std::vector<ReportTask> results;
  for (const auto& h : hosts) {
    ASSERT_TRUE(started(task, h));
    results.push_back(ReportTask{task, host(task, h).dispatch_id, "success", "ok " + h, ""});
  }
  const int before = run_io([&] { return counting->transactions; });

  // The server's thread is held while all three reports arrive, as when it
  // is busy under load; then it reads them in one turn.
  std::promise<void> release;
  std::promise<void> held;
  asio::post(ioc, [&] {
    held.set_value();
    release.get_future().wait();
  });
  held.get_future().wait();
  for (size_t i = 0; i < hosts.size(); ++i)
    agents[i]->send_raw(encode_request(7, ReportRequest{hosts[i], {results[i]}}));
  // Loopback delivers a send before it returns; the pause only makes sure.
  std::this_thread::sleep_for(50ms);
  release.set_value();

  for (auto& a : agents) {
    auto frame = a->read_frame();
    ASSERT_TRUE(frame.has_value());
    auto r = decode_response(*frame, ReplyKind::report);
    ASSERT_TRUE(r.ok()) << r.error().message;
    auto* reply = std::get_if<ReportReply>(&r->reply);
    ASSERT_NE(reply, nullptr);
    EXPECT_EQ(reply->message, "");
    EXPECT_TRUE(reply->assign_tasks.empty());
  }
  EXPECT_TRUE(done(task));
  EXPECT_EQ(run_io([&] { return counting->transactions; }) - before, 1);
}

TEST_F(IbexRpcServerTest, AnAssignmentMadeWhileConnectedReachesTheNextHeartbeat) {
  TestAgent agent(port());
  EXPECT_TRUE(agent.report("web-01").assign_tasks.empty());
  int64_t task = create({"web-01"});
  auto hb = agent.report("web-01");
  ASSERT_EQ(hb.assign_tasks.size(), 1u);
  EXPECT_EQ(hb.assign_tasks[0].id, task);
}

TEST_F(IbexRpcServerTest, AResultForAnOldClockIsIgnored) {
  TestAgent agent(port());
  // A second host keeps the task unfinished, so a redo is allowed.
  int64_t task = create({"web-01", "web-09"});
  auto first = agent.report("web-01").assign_tasks.at(0);
  agent.report("web-01", {ReportTask{task, first.clock, "failed", "", "boom"}});
  ASSERT_EQ(host(task, "web-01").status, HostStatus::failed);

  auto redo = run_io([&] { return engine->host_action(task, "web-01", HostAction::redo); });
  ASSERT_TRUE(redo.ok()) << redo.error().message;
  auto second = agent.report("web-01").assign_tasks.at(0);
  EXPECT_NE(second.clock, first.clock);
  EXPECT_EQ(second.action, "start");

  // The old run's result again, and a clock that never existed: both ignored.
  auto hb = agent.report("web-01", {ReportTask{task, first.clock, "success", "old", ""},
                                    ReportTask{task, 999999, "success", "bogus", ""}});
  ASSERT_EQ(hb.assign_tasks.size(), 1u);
  EXPECT_EQ(hb.assign_tasks[0].clock, second.clock);
  EXPECT_EQ(host(task, "web-01").status, HostStatus::running);

  agent.report("web-01", {ReportTask{task, second.clock, "success", "new", ""}});
  EXPECT_EQ(host(task, "web-01").status, HostStatus::success);
  EXPECT_EQ(host(task, "web-01").stdout_text, "new");
}

TEST_F(IbexRpcServerTest, KillReachesTheAgentAsActionKill) {
  TestAgent agent(port());
  int64_t task = create({"web-01"});
  auto start = agent.report("web-01").assign_tasks.at(0);
  ASSERT_TRUE(run_io([&] { return engine->task_action(task, TaskAction::kill); }).ok());
  auto hb = agent.report("web-01");
  ASSERT_EQ(hb.assign_tasks.size(), 1u);
  EXPECT_EQ(hb.assign_tasks[0].action, "kill");
  EXPECT_EQ(hb.assign_tasks[0].clock, start.clock);
  EXPECT_EQ(host(task, "web-01").status, HostStatus::killing);

  // While the kill is in progress the agent reports "killing": not a result.
  hb = agent.report("web-01", {ReportTask{task, start.clock, "killing", "", ""}});
  EXPECT_EQ(hb.assign_tasks.size(), 1u);
  hb = agent.report("web-01", {ReportTask{task, start.clock, "killed", "", ""}});
  EXPECT_TRUE(hb.assign_tasks.empty());
  EXPECT_EQ(host(task, "web-01").status, HostStatus::killed);
  EXPECT_TRUE(done(task));
}

TEST_F(IbexRpcServerTest, AKillMadeBeforeTheAgentConnectsIsLoadedAsKill) {
  int64_t task = create({"web-01"});
  ASSERT_TRUE(run_io([&] { return engine->task_action(task, TaskAction::kill); }).ok());
  TestAgent agent(port());
  auto hb = agent.report("web-01");
  ASSERT_EQ(hb.assign_tasks.size(), 1u);
  EXPECT_EQ(hb.assign_tasks[0].action, "kill");
}

TEST_F(IbexRpcServerTest, ATimedOutHostStillTakesItsLateResult) {
  TestAgent agent(port());
  int64_t task = create({"web-01"}, 1);
  auto start = agent.report("web-01").assign_tasks.at(0);
  auto ticked = run_io([&] {
    clock.advance_ms(5000);
    return engine->tick();
  });
  ASSERT_TRUE(ticked.ok());
  EXPECT_EQ(host(task, "web-01").status, HostStatus::timeout);
  EXPECT_TRUE(done(task));
  agent.report("web-01", {ReportTask{task, start.clock, "failed", "late", ""}});
  EXPECT_EQ(host(task, "web-01").status, HostStatus::failed);
  EXPECT_EQ(host(task, "web-01").stdout_text, "late");
  EXPECT_TRUE(agent.report("web-01").assign_tasks.empty());
}

TEST_F(IbexRpcServerTest, GetTaskMetaAnswersOnlyForTheConnectionsOwnTasks) {
  int64_t theirs = create({"web-02"});
  TestAgent unbound(port());
  EXPECT_EQ(unbound.meta(theirs).message, "task not assigned to this host");

  TestAgent agent(port());
  agent.report("web-01");
  auto m = agent.meta(theirs);
  EXPECT_EQ(m.message, "task not assigned to this host");
  EXPECT_EQ(m.script, "");
  EXPECT_EQ(agent.meta(424242).message, "task not assigned to this host");
  // A refusal is an answer: the connection serves on.
  EXPECT_TRUE(agent.report("web-01").assign_tasks.empty());
}

TEST_F(IbexRpcServerTest, AConnectionMayNotSwitchIdents) {
  int64_t task = create({"web-02"});
  TestAgent agent(port());
  agent.report("web-01");
  auto r = agent.call(ReportRequest{"web-02", {}}, ReplyKind::report);
  EXPECT_EQ(r.error, "this connection reports for web-01, not web-02");
  EXPECT_TRUE(agent.closed_by_server());
  // Nothing was applied or handed out for web-02.
  EXPECT_EQ(host(task, "web-02").status, HostStatus::running);

  TestAgent other(port());
  EXPECT_EQ(other.report("web-02").assign_tasks.size(), 1u);
}

TEST_F(IbexRpcServerTest, BadFramesCloseOnlyTheirConnection) {
  TestAgent good(port());
  int64_t task = create({"web-01"});
  EXPECT_EQ(good.report("web-01").assign_tasks.size(), 1u);

  std::string huge_prefix = std::string("\x94\x00\x00\xdb\x7f\xff\xff\xff", 8);
  std::string not_an_array = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string reserved = std::string("\x94\x00\x00\xc1", 4);
  std::string too_many = std::string("\xdd\x10\x00\x00\x00", 5);  // 256 Mi elements announced
  std::string wrong_type = encode_request(1, PingRequest{});
  wrong_type.back() = '\x07';  // Ping's argument becomes the integer 7
  for (const std::string& bad : {huge_prefix, not_an_array, reserved, too_many, wrong_type}) {
    TestAgent agent(port());
    agent.send_split(bad, 2);
    EXPECT_TRUE(agent.closed_by_server()) << "still open after a bad frame";
  }
  // A frame that never completes: closed after the idle timeout.
  {
    IbexRpcServer* impatient = run_io([&] { return start_server({}, 300ms); });
    ASSERT_NE(impatient, nullptr);
    TestAgent agent(impatient->port());
    std::string half = encode_request(1, ReportRequest{"web-01", {}});
    agent.send_raw(half.substr(0, half.size() / 2));
    EXPECT_TRUE(agent.closed_by_server(3000ms));
  }
  // A wrong-typed argument gets an error reply before the close.
  {
    TestAgent agent(port());
    agent.send_raw(wrong_type);
    auto f = agent.read_frame();
    ASSERT_TRUE(f.has_value());
    auto r = decode_response(*f, ReplyKind::ping);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->error, "Server.Ping argument must be a string");
    EXPECT_TRUE(agent.closed_by_server());
  }
  // The good connection never noticed; and the task can still finish through it.
  auto hb = good.report("web-01",
                        {ReportTask{task, host(task, "web-01").dispatch_id, "success", "ok", ""}});
  EXPECT_TRUE(hb.assign_tasks.empty());
  EXPECT_EQ(host(task, "web-01").status, HostStatus::success);
}

TEST_F(IbexRpcServerTest, AnUnknownMethodIsAnErrorReplyAndTheConnectionServesOn) {
  TestAgent agent(port());
  std::string frame = encode_request(7, PingRequest{});
  frame.replace(4, 11, "Server.Nope");
  agent.send_raw(frame);
  auto f = agent.read_frame();
  ASSERT_TRUE(f.has_value());
  auto r = decode_response(*f, ReplyKind::ping);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->msgid, 7u);
  EXPECT_EQ(r->error, "rpc: can't find method Server.Nope");
  EXPECT_EQ(std::get<PingReply>(agent.call(PingRequest{}, ReplyKind::ping).reply).text, "pong");
}

TEST_F(IbexRpcServerTest, SeveralFramesInOneWriteAreAnsweredInOrder) {
  int64_t task = create({"web-01"});
  TestAgent agent(port());
  agent.send_raw(encode_request(1, PingRequest{}) + encode_request(2, ReportRequest{"web-01", {}}) +
                 encode_request(3, TaskMetaRequest{task}));
  auto a = decode_response(*agent.read_frame(), ReplyKind::ping);
  auto b = decode_response(*agent.read_frame(), ReplyKind::report);
  auto c = decode_response(*agent.read_frame(), ReplyKind::task_meta);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->msgid, 1u);
  EXPECT_EQ(std::get<ReportReply>(b->reply).assign_tasks.size(), 1u);
  EXPECT_EQ(std::get<TaskMetaReply>(c->reply).args, "a b,,c");
}

TEST_F(IbexRpcServerTest, ATaskMixesANativeAndAnIbexHost) {
  TestAgent agent(port());
  agent.report("web-01");
  int64_t task = create({"native-1", "web-01"});
  // The native host's assignment went to the native push, the Ibex one to the book.
  auto native_assigns = run_io([&] { return native.assigns(); });
  ASSERT_EQ(native_assigns.size(), 2u);  // the recording push sees every host
  auto hb = agent.report("web-01");
  ASSERT_EQ(hb.assign_tasks.size(), 1u);
  int64_t native_dispatch = host(task, "native-1").dispatch_id;

  proto::ResultMsg native_result;
  native_result.dispatch_id = native_dispatch;
  native_result.task_id = task;
  native_result.status = proto::RunOutcome::success;
  ASSERT_TRUE(run_io([&] { return engine->apply_result("native-1", native_result); }).ok());
  EXPECT_FALSE(done(task));
  agent.report("web-01", {ReportTask{task, hb.assign_tasks[0].clock, "success", "", ""}});
  EXPECT_EQ(host(task, "native-1").status, HostStatus::success);
  EXPECT_EQ(host(task, "web-01").status, HostStatus::success);
  EXPECT_TRUE(done(task));
}

TEST_F(IbexRpcServerTest, ListsConnectedIbexAgents) {
  {
    TestAgent agent(port());
    agent.report("web-01");
    auto list = run_io([&] { return server->list(); });
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].ident, "web-01");
    EXPECT_EQ(list[0].protocol, "ibex");
    EXPECT_EQ(list[0].remote.rfind("127.0.0.1:", 0), 0u);
    EXPECT_EQ(list[0].last_seen_ms, clock.now_ms());
  }
  // The agent hung up: it leaves the list once the server notices.
  for (int i = 0; i < 200 && !run_io([&] { return server->list(); }).empty(); ++i)
    std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(run_io([&] { return server->list(); }).empty());
  EXPECT_FALSE(run_io([&] { return book.tracks("web-01"); }));
}

TEST_F(IbexRpcServerTest, TheAllowListRefusesOtherSources) {
  IbexRpcServer* closed = run_io([&] { return start_server({"10.0.0.0/8", "fd00::/8"}); });
  ASSERT_NE(closed, nullptr);
  TestAgent refused(closed->port());
  EXPECT_TRUE(refused.closed_by_server());

  IbexRpcServer* open = run_io([&] { return start_server({"10.0.0.0/8", "127.0.0.0/8"}); });
  ASSERT_NE(open, nullptr);
  TestAgent allowed(open->port());
  EXPECT_EQ(std::get<PingReply>(allowed.call(PingRequest{}, ReplyKind::ping).reply).text, "pong");
}

// Item 1 of the hardening issue: whoever reports as a host over Ibex's
// protocol gets its scripts and stdin, so Ibex agents act only for hosts the
// operator allowed them and never for a host a native agent serves.
TEST_F(IbexRpcServerTest, AHostOutsideTheIbexPatternsIsRefused) {
  int64_t task = create({"db-01"});
  TestAgent agent(port());
  auto r = agent.call(ReportRequest{"db-01", {}}, ReplyKind::report);
  EXPECT_NE(r.error.find("not allowed for Ibex agents"), std::string::npos) << r.error;
  EXPECT_TRUE(agent.closed_by_server());
  EXPECT_FALSE(run_io([&] { return book.tracks("db-01"); }));
  EXPECT_EQ(host(task, "db-01").status, HostStatus::running);
}

TEST_F(IbexRpcServerTest, AnIdentWithAControlCharacterIsRefused) {
  TestAgent agent(port());
  auto r = agent.call(ReportRequest{"web-01\n2026-12-01 [info] forged", {}}, ReplyKind::report);
  EXPECT_NE(r.error.find("control character"), std::string::npos) << r.error;
  EXPECT_TRUE(agent.closed_by_server());
}

TEST_F(IbexRpcServerTest, AHostANativeAgentServesIsRefusedAndItsIbexConnectionClosed) {
  int64_t task = create({"web-01"});
  TestAgent early(port());
  ASSERT_EQ(early.report("web-01").assign_tasks.size(), 1u);

  // The native agent attaches: the Ibex connection acting for web-01 is closed
  // and no new one may bind web-01, nor fetch its script.
  run_io([&] {
    protocols->native_attached("web-01");
    return 0;
  });
  EXPECT_TRUE(early.closed_by_server());
  TestAgent late(port());
  auto r = late.call(ReportRequest{"web-01", {}}, ReplyKind::report);
  EXPECT_NE(r.error.find("native agent"), std::string::npos) << r.error;
  EXPECT_TRUE(late.closed_by_server());
  TestAgent meta(port());
  EXPECT_EQ(meta.meta(task).script, "");

  // Recorded in the store: a server started later on it refuses web-01 too.
  for (int i = 0; i < 200 && run_io([&] { return protocols->unrecorded(); }) > 0; ++i)
    std::this_thread::sleep_for(5ms);
  HostProtocols after_restart(ioc.get_executor(), *store, clock, {"web-*"});
  auto may = run_io([&] { return after_restart.ibex_may_serve("web-01"); });
  ASSERT_FALSE(may.ok());
  EXPECT_EQ(may.error().code, ErrorCode::unauthorized);
  EXPECT_TRUE(run_io([&] { return after_restart.ibex_may_serve("web-02"); }).ok());
}

TEST_F(IbexRpcServerTest, AHostANativeAgentTookOnAnotherServerIsClosedAtTheNextCheck) {
  IbexRpcServer* checking = run_io([&] { return start_server({}, 10'000ms, 20ms); });
  ASSERT_NE(checking, nullptr);
  TestAgent agent(checking->port());
  agent.report("web-03");
  // Another server sharing the database recorded web-03 as native.
  auto w = run_io([&] { return store->transact([](StoreTx& tx) { return tx.record_native_hosts({"web-03"}, 1); }); });
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(agent.closed_by_server());
}

}  // namespace
}  // namespace mend
