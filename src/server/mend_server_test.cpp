// MendServer in-process: started on a temporary SQLite file and port 0, run on
// a thread of the test, stopped in order.
#include "server/mend_server.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/asio.hpp"
#include "proto/agent_messages.hpp"
#include "testing/http_once.hpp"
#include "testing/temp_dir.hpp"

namespace mend {
namespace {

// One request on a fresh connection (testing/http_once.hpp); returns status and body.
std::pair<int, std::string> get(const std::string& host_port, const std::string& target) {
  auto r = testing::http_once(host_port, "GET", target);
  return {r.status, r.body};
}
std::pair<int, std::string> post(const std::string& host_port, const std::string& target, const std::string& json) {
  auto r = testing::http_once(host_port, "POST", target, json);
  return {r.status, r.body};
}

ServerSettings local_settings(const testing::TempDir& dir) {
  ServerSettings s;
  s.http = "127.0.0.1:0";
  s.db = "sqlite:" + dir.file("mend.db").string();
  s.server_id = "test-server";
  s.no_tls = true;  // the test's client speaks plain HTTP
  return s;
}

// A server started in-process with a thread of its own; stopped at scope end.
struct RunningServer {
  explicit RunningServer(const ServerSettings& settings) : server(settings) {
    started = server.start().ok();
    if (started) runner = std::thread([this] { server.run(); });
  }
  ~RunningServer() { stop(); }
  void stop() {
    if (!runner.joinable()) return;
    server.stop();
    runner.join();
  }
  MendServer server;
  bool started = false;
  std::thread runner;
};

// Runs `body` against a fresh server in each thread layout: the sockets on a
// network thread of their own (the default), and everything on one thread.
void in_both_thread_layouts(const std::function<void(RunningServer&)>& body) {
  for (int64_t network : {1, 0}) {
    SCOPED_TRACE("network_threads " + std::to_string(network));
    testing::TempDir dir;
    ServerSettings s = local_settings(dir);
    s.network_threads = network;
    RunningServer running(s);
    ASSERT_TRUE(running.started);
    body(running);
  }
}

// Creates a one-host task by the Ibex API; its id, or 0 (and a failure) when refused.
int64_t create_task(const std::string& address, const std::string& host, const std::string& action) {
  auto [created, body] = post(address, "/ibex/v1/tasks",
                              R"({"title":"t","account":"root","script":"echo hi","creator":"test","action":")" +
                                  action + R"(","hosts":[")" + host + R"("]})");
  if (created != 200) {
    ADD_FAILURE() << created << " " << body;
    return 0;
  }
  return nlohmann::json::parse(body).value("dat", int64_t{0});
}

// "HOST:PORT" as a connectable endpoint list.
tcp::resolver::results_type resolve(tcp::resolver& resolver, const std::string& address) {
  return resolver.resolve(address.substr(0, address.rfind(':')), address.substr(address.rfind(':') + 1));
}

TEST(MendServer, StartsServesAndStopsInProcess) {
  testing::TempDir dir;
  ServerSettings s = local_settings(dir);
  s.ready_file = dir.file("ready").string();
  MendServer server(s);
  ASSERT_TRUE(server.start().ok());
  EXPECT_EQ(server.server_id(), "test-server");
  EXPECT_EQ(testing::read_file(dir.file("ready")), server.http_address() + "\n");
  std::thread runner([&] { server.run(); });
  auto [status, body] = get(server.http_address(), "/ibex/v1/tasks");
  EXPECT_EQ(status, 200) << body;
  server.stop();
  runner.join();
  // Stopped means not listening any more.
  EXPECT_ANY_THROW(get(server.http_address(), "/ibex/v1/tasks"));
}

// A native agent's whole exchange, in-process: hello, the Assign pushed when
// a task is created, Started and Result, the Ack, the task done. With the
// sockets on their own thread (the default) every step crosses between the
// two threads; with --network-threads 0 all of it runs on the one.
TEST(MendServer, AnAgentRunsATaskWithAndWithoutANetworkThread) {
  in_both_thread_layouts([](RunningServer& running) {
    const std::string address = running.server.http_address();
    asio::io_context io;
    websocket::stream<tcp::socket> ws(io);
    tcp::resolver resolver(io);
    asio::connect(ws.next_layer(), resolve(resolver, address));
    ws.handshake(address.substr(0, address.rfind(':')), proto::kAgentPath);
    ws.text(true);
    auto write = [&](const proto::Message& m) { ws.write(asio::buffer(proto::encode(m))); };
    auto read = [&]() -> proto::Message {
      beast::flat_buffer frame;
      ws.read(frame);
      auto m = proto::decode(beast::buffers_to_string(frame.data()));
      if (!m.ok()) throw std::runtime_error(m.error().message);
      return *m;
    };
    write(proto::Hello{"web-01", "", "test"});
    ASSERT_TRUE(std::holds_alternative<proto::Welcome>(read()));
    const int64_t task = create_task(address, "web-01", "start");
    ASSERT_GT(task, 0);
    proto::Message pushed = read();
    ASSERT_TRUE(std::holds_alternative<proto::Assign>(pushed));
    const auto assign = std::get<proto::Assign>(pushed);
    EXPECT_EQ(assign.task_id, task);
    EXPECT_EQ(assign.script, "echo hi");
    write(proto::Started{assign.dispatch_id});
    proto::ResultMsg result;
    result.dispatch_id = assign.dispatch_id;
    result.task_id = assign.task_id;
    result.status = proto::RunOutcome::success;
    result.exit_code = 0;
    result.stdout_text = "hi\n";
    write(result);
    proto::Message answer = read();
    ASSERT_TRUE(std::holds_alternative<proto::Ack>(answer));
    EXPECT_EQ(std::get<proto::Ack>(answer).dispatch_id, assign.dispatch_id);
    auto [status, state] = get(address, "/ibex/v1/task/" + std::to_string(task) + "/state");
    EXPECT_EQ(status, 200);
    EXPECT_EQ(nlohmann::json::parse(state).value("dat", ""), "done") << state;
    auto [listed, agents] = get(address, "/api/v1/agents");
    EXPECT_EQ(listed, 200);
    EXPECT_NE(agents.find("web-01"), std::string::npos) << agents;
    // Stopping closes the agent's connection from the server's side.
    running.server.stop();
    beast::flat_buffer rest;
    beast::error_code ec;
    ws.read(rest, ec);
    EXPECT_TRUE(ec) << "the connection stayed open";
  });
}

// A console watching a host's output holds a stream that lives on the state
// thread; stopping the server ends it there, before what it uses is gone.
TEST(MendServer, StopsWithAnOutputStreamOpen) {
  in_both_thread_layouts([](RunningServer& running) {
    const std::string address = running.server.http_address();
    const int64_t task = create_task(address, "h1", "pause");
    ASSERT_GT(task, 0);
    asio::io_context io;
    tcp::socket watcher(io);
    tcp::resolver resolver(io);
    asio::connect(watcher, resolve(resolver, address));
    const std::string request = "GET /api/v1/tasks/" + std::to_string(task) +
                                "/hosts/h1/stream HTTP/1.1\r\nHost: x\r\n\r\n";
    asio::write(watcher, asio::buffer(request));
    std::string seen;
    beast::error_code ec;
    while (seen.find("data:") == std::string::npos && !ec) {
      char chunk[4096];
      size_t n = watcher.read_some(asio::buffer(chunk), ec);
      seen.append(chunk, n);
    }
    ASSERT_NE(seen.find("text/event-stream"), std::string::npos) << seen;
    running.stop();
    // The stream ended with the server: the watcher reads to its end.
    while (!ec) {
      char chunk[4096];
      watcher.read_some(asio::buffer(chunk), ec);
    }
    EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  });
}

// Read-only answers come from the reader threads' own connections (or the
// server thread's with --read-threads 0) and see what was just committed.
TEST(MendServer, ReadsSeeWhatWasJustCommittedWithAndWithoutReaderThreads) {
  for (int64_t threads : {2, 0}) {
    SCOPED_TRACE("read_threads " + std::to_string(threads));
    testing::TempDir dir;
    ServerSettings s = local_settings(dir);
    s.read_threads = threads;
    RunningServer running(s);
    ASSERT_TRUE(running.started);
    MendServer& server = running.server;
    auto [created, id] = post(server.http_address(), "/ibex/v1/tasks",
                              R"({"title":"read me","account":"root","script":"echo hi","creator":"test",)"
                              R"("action":"pause","hosts":["h1","h2"]})");
    EXPECT_EQ(created, 200) << id;
    auto id_value = nlohmann::json::parse(id, nullptr, false).value("dat", int64_t{0});
    EXPECT_GT(id_value, 0) << id;
    const std::string task = "/ibex/v1/task/" + std::to_string(id_value);
    auto [status, body] = get(server.http_address(), task);
    EXPECT_EQ(status, 200);
    EXPECT_NE(body.find("\"read me FH: h1\""), std::string::npos) << body;
    std::tie(status, body) = get(server.http_address(), "/api/v1/tasks/" + std::to_string(id_value) + "/hosts");
    EXPECT_EQ(status, 200);
    EXPECT_NE(body.find("\"h2\""), std::string::npos) << body;
    std::tie(status, body) = get(server.http_address(), "/ibex/v1/tasks?limit=5");
    EXPECT_NE(body.find("\"read me FH: h1\""), std::string::npos) << body;
    // A missing task is answered by the read; a bad id before any read is handed over.
    std::tie(status, body) = get(server.http_address(), "/api/v1/tasks/999999/hosts");
    EXPECT_EQ(status, 404) << body;
    std::tie(status, body) = get(server.http_address(), "/api/v1/tasks/x/hosts");
    EXPECT_EQ(status, 400) << body;
  }
}

TEST(MendServer, ABadSettingStopsTheStartBeforeTheDatabaseIsOpened) {
  testing::TempDir dir;
  ServerSettings s = local_settings(dir);
  s.http = "nowhere";
  MendServer server(s);
  auto r = server.start();
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(std::filesystem::exists(dir.file("mend.db")));
}

TEST(CheckServerSettings, FindsBadValuesAndABadRulesFile) {
  testing::TempDir dir;
  ServerSettings s = local_settings(dir);
  EXPECT_TRUE(check_server_settings(s).ok());

  ServerSettings lease = s;
  lease.lease_ms = 10;
  EXPECT_EQ(check_server_settings(lease).error().message, "lease_ms must be at least 1000");

  ServerSettings allow = s;
  allow.ibex_rpc_allow = {"10.0.0.0/8"};
  EXPECT_EQ(check_server_settings(allow).error().message, "--ibex-rpc-allow needs --ibex-rpc");

  // Which hosts Ibex agents may claim is never a default.
  ServerSettings ibex = s;
  ibex.ibex_rpc = "127.0.0.1:0";
  EXPECT_NE(check_server_settings(ibex).error().message.find("--ibex-rpc needs --ibex-rpc-hosts"),
            std::string::npos);
  ibex.ibex_rpc_hosts = {"web-*"};
  EXPECT_TRUE(check_server_settings(ibex).ok());
  ibex.ibex_rpc_hosts = {""};
  EXPECT_FALSE(check_server_settings(ibex).ok());

  ServerSettings rules = s;
  rules.rules = dir.file("rules.yaml").string();
  testing::write_file(
      rules.rules,
      "templates:\n  t:\n    title: T\n    account: root\n    script: echo hi\n"
      "rules:\n  - name: r\n    matchers: ['alertname=\"Down\"']\n    template: nope\n");
  auto r = check_server_settings(rules);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown template \"nope\""), std::string::npos)
      << r.error().message;
  // Checking opens no database.
  EXPECT_FALSE(std::filesystem::exists(dir.file("mend.db")));
}

}  // namespace
}  // namespace mend
