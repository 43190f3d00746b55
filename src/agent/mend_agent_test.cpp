// MendAgent in-process against a real in-process MendServer: plain HTTP on
// 127.0.0.1 port 0, a temporary SQLite file, the shared agent token, scripts
// run by real sh inside the test process (in_process: the test binary cannot
// be a script's supervisor). Each runs on a thread of the test.
#include "agent/mend_agent.hpp"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent/spool.hpp"
#include "common/asio.hpp"
#include "proto/agent_messages.hpp"
#include "server/mend_server.hpp"
#include "testing/http_once.hpp"
#include "testing/temp_dir.hpp"

namespace mend::agent {
namespace {

using nlohmann::json;

constexpr char kToken[] = "agent-token-for-the-test";

struct Reply {
  int status = 0;
  json body;  // the body's text as a JSON string when it is not JSON
  // The envelope's "dat", or null.
  json dat() const { return body.is_object() ? body.value("dat", json()) : json(); }
};

// One HTTP/1.1 request on a fresh connection (testing/http_once.hpp).
Reply call(const std::string& host_port, http::verb verb, const std::string& target,
           const json& body = nullptr) {
  auto r = testing::http_once(host_port, std::string(http::to_string(verb)), target,
                              body.is_null() ? "" : body.dump());
  json parsed = json::parse(r.body, nullptr, false);
  if (parsed.is_discarded()) parsed = r.body;
  return {r.status, std::move(parsed)};
}

// Polls `done` until it holds or ten seconds have passed; returns whether it held.
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::string current_account() {
  if (passwd* pw = ::getpwuid(::geteuid())) return pw->pw_name;
  return "root";
}

class MendAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerSettings s;
    s.http = "127.0.0.1:0";
    s.db = "sqlite:" + dir.file("mend.db").string();
    s.server_id = "test-server";
    s.no_tls = true;
    s.agent_token = kToken;
    server = std::make_unique<MendServer>(s);
    ASSERT_TRUE(server->start().ok());
    server_thread = std::thread([this] { server->run(); });
  }
  void TearDown() override {
    if (!server_thread.joinable()) return;
    server->stop();
    server_thread.join();
  }

  AgentSettings agent_settings() const {
    AgentSettings s;
    s.servers = {"http://" + server->http_address()};
    s.ident = "in-process-agent";
    s.token = kToken;
    s.spool = dir.file("spool").string();
    s.in_process = true;
    return s;
  }

  // The idents the server itself has connected (not the fleet-wide table,
  // which follows a tick behind).
  std::vector<std::string> connected_here() const {
    Reply r = call(server->http_address(), http::verb::get, "/api/v1/agents?here=true");
    std::vector<std::string> idents;
    if (r.status == 200 && r.dat().is_array())
      for (const auto& a : r.dat()) idents.push_back(a.value("ident", ""));
    return idents;
  }

  testing::TempDir dir;
  std::unique_ptr<MendServer> server;
  std::thread server_thread;
};

TEST_F(MendAgentTest, ConnectsRunsAScriptAndLeavesOnStop) {
  MendAgent agent(agent_settings(), "");
  ASSERT_TRUE(agent.start().ok());
  EXPECT_EQ(agent.ident(), "in-process-agent");
  std::thread agent_thread([&] { agent.run(); });

  EXPECT_TRUE(eventually([&] {
    return connected_here() == std::vector<std::string>{"in-process-agent"};
  })) << "the server never listed the agent";

  json form = {{"title", "mend-agent test"},
               {"account", current_account()},
               {"batch", 0},
               {"tolerance", 0},
               {"timeout", 10},
               {"pause", ""},
               {"script", "#!/bin/sh\necho hello from sh\n"},
               {"args", ""},
               {"stdin", ""},
               {"action", "start"},
               {"creator", "test"},
               {"hosts", {"in-process-agent"}},
               {"alert_triggered", false}};
  Reply made = call(server->http_address(), http::verb::post, "/ibex/v1/tasks", form);
  ASSERT_EQ(made.status, 200) << made.body;
  ASSERT_TRUE(made.dat().is_number_integer()) << made.body;
  const std::string task = "/ibex/v1/task/" + std::to_string(made.dat().get<int64_t>());
  std::string status;
  EXPECT_TRUE(eventually([&] {
    Reply t = call(server->http_address(), http::verb::get, task);
    if (t.status != 200 || !t.dat().is_object()) return false;
    for (const auto& h : t.dat().value("hosts", json::array()))
      if (h.value("host", "") == "in-process-agent") status = h.value("status", "");
    return status == "success" || status == "failed";
  })) << "last host status '"
      << status << "'";
  EXPECT_EQ(status, "success");
  Reply out = call(server->http_address(), http::verb::get, task + "/host/in-process-agent/stdout");
  EXPECT_EQ(out.dat(), "hello from sh\n") << out.body;

  agent.stop();
  agent_thread.join();  // run() returns once stop() has finished
  EXPECT_EQ(agent.gave_up(), "");
  EXPECT_TRUE(eventually([&] { return connected_here().empty(); }))
      << "the server still lists the agent";
  // Nothing is left in the spool to send again.
  auto spool = Spool::open(dir.file("spool"));
  ASSERT_TRUE(spool.ok());
  auto recovery = spool->recover();
  ASSERT_TRUE(recovery.ok());
  EXPECT_TRUE(recovery->results.empty()) << recovery->results.size() << " results not acknowledged";
}

TEST_F(MendAgentTest, AServerThatRequiresATokenMakesATokenlessAgentGiveUp) {
  AgentSettings s = agent_settings();
  s.token = "";
  MendAgent agent(s, "");
  ASSERT_TRUE(agent.start().ok());
  agent.run();  // returns by itself
  EXPECT_NE(agent.gave_up().find("requires an agent token and this agent has none"),
            std::string::npos)
      << agent.gave_up();
}

TEST_F(MendAgentTest, StopBeforeRunEndsRunAtOnce) {
  MendAgent agent(agent_settings(), "");
  ASSERT_TRUE(agent.start().ok());
  agent.stop();
  agent.run();  // a hang here is the failure
  EXPECT_EQ(agent.gave_up(), "");
}

TEST(MendAgentStop, WaitsForTheAcknowledgementOfAResultAlreadySent) {
  testing::TempDir dir;
  {
    // A result the last agent spooled and had not got acknowledged: the
    // agent sends it again as soon as it is welcomed.
    auto spool = Spool::open(dir.file("spool"));
    ASSERT_TRUE(spool.ok());
    proto::Assign a;
    a.dispatch_id = 7;
    a.task_id = 70;
    a.host = "late-ack";
    a.script = "true";
    a.account = "root";
    a.timeout_s = 10;
    ASSERT_TRUE(spool->record_assign(a).ok());
    proto::ResultMsg r;
    r.dispatch_id = 7;
    r.task_id = 70;
    r.status = proto::RunOutcome::success;
    ASSERT_TRUE(spool->write_result(r).ok());
  }
  // The server's side, a bare WebSocket on this thread.
  asio::io_context server_io;
  tcp::acceptor acceptor(server_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  AgentSettings s;
  s.servers = {"http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port())};
  s.ident = "late-ack";
  s.token = kToken;
  s.spool = dir.file("spool").string();
  s.in_process = true;
  MendAgent agent(s, "");
  ASSERT_TRUE(agent.start().ok());
  std::thread agent_thread([&] { agent.run(); });

  websocket::stream<tcp::socket> ws(acceptor.accept());
  ws.accept();
  ws.text(true);
  beast::flat_buffer buf;
  ws.read(buf);  // the hello
  ws.write(asio::buffer(proto::encode(proto::Welcome{"test"})));
  boost::system::error_code ec;
  bool result_came = false;
  while (!result_came && !ec) {
    buf.clear();
    ws.read(buf, ec);
    auto m = proto::decode(beast::buffers_to_string(buf.data()));
    result_came = !ec && m && std::holds_alternative<proto::ResultMsg>(*m);
  }
  ASSERT_TRUE(result_came) << ec.message();
  agent.stop();
  // The acknowledgement comes late (a busy server's group commit).
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ws.write(asio::buffer(proto::encode(proto::Ack{7})), ec);
  while (!ec) {  // until the agent closes
    buf.clear();
    ws.read(buf, ec);
  }
  agent_thread.join();
  auto spool = Spool::open(dir.file("spool"));
  ASSERT_TRUE(spool.ok());
  EXPECT_EQ(spool->state(7), DispatchState::done)
      << "stop() closed before the acknowledgement: the next agent sends the result again";
}

TEST(MendAgentStart, ABadSettingStopsTheStartBeforeTheSpoolIsMade) {
  testing::TempDir dir;
  AgentSettings s;
  s.servers = {"ftp://127.0.0.1:1"};
  s.spool = dir.file("spool").string();
  s.in_process = true;
  EXPECT_FALSE(check_agent_settings(s).ok());
  MendAgent agent(s, "");
  auto r = agent.start();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_input) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir.file("spool")));
}

TEST(MendAgentStart, AnUnreadableCacertIsASettingsError) {
  testing::TempDir dir;
  AgentSettings s;
  s.servers = {"https://127.0.0.1:1"};
  s.spool = dir.file("spool").string();
  s.cacert = dir.file("missing.pem").string();
  auto r = check_agent_settings(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("--cacert: ", 0), 0u) << r.error().message;
  MendAgent agent(s, "");
  EXPECT_FALSE(agent.start().ok());
  EXPECT_FALSE(std::filesystem::exists(dir.file("spool")));
}

}  // namespace
}  // namespace mend::agent
