// The hardening issue's findings 2-5 and 8, each as the attack was made, on a
// real mend-server with real agents and real sh (finding 1 is in
// ibex_takeover_test.cpp, 9 in cleanup_test.cpp).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "support/cluster_fixture.hpp"
#include "support/raw_agent.hpp"
#include "support/wait.hpp"
#include "testing/ibex_test_agent.hpp"

namespace mend::it {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A plain TCP client, to send exactly the bytes an attacker would.
class RawTcp {
 public:
  explicit RawTcp(uint16_t port) {
    // CLOEXEC: an agent the test starts meanwhile must not inherit the socket
    // and keep it open after the test closes it.
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawTcp() { ::close(fd_); }
  bool ok() const { return ok_; }
  bool send(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      s.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // What arrives until the server closes or `wait` passes without a byte.
  std::string read_all(std::chrono::milliseconds wait = 10s) {
    std::string out;
    char buf[4096];
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return out;
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return out;
      }
      out.append(buf, static_cast<size_t>(n));
    }
  }
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
  bool closed_ = false;
};

// The value of one sample in /metrics ("" when absent).
std::string metric(const HttpClient& c, const std::string& sample) {
  HttpResponse r = c.get("/metrics");
  std::istringstream in(r.body);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(sample + " ", 0) == 0) return line.substr(sample.size() + 1);
  return "";
}

constexpr const char* kUser = "it:it-password";

// ---- 4. Memory is spent before authentication.

class PreAuthTest : public ClusterTest {
 protected:
  ServerOptions server_options() const override {
    ServerOptions o;
    o.basic_auth = {kUser};
    o.extra_args = {"--ibex-rpc", "127.0.0.1:0", "--ibex-rpc-hosts", "ibex-*", "--max-unauthenticated-per-source",
                    "8"};
    return o;
  }
};

TEST_F(PreAuthTest, AnUnauthenticatedRequestIsRefusedOnItsHeadersBeforeItsBodyIsRead) {
  // 8 MB announced, nothing of it sent: the 401 must come anyway, and no
  // 100 Continue before it.
  RawTcp c(server_->port());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send("POST /ibex/v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Expect: 100-continue\r\nContent-Length: 8000000\r\n\r\n"));
  std::string answer = c.read_all();
  EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u) << answer;
  EXPECT_EQ(answer.find("100 Continue"), std::string::npos) << answer;

  // Without Expect, and with part of the body on its way.
  RawTcp d(server_->port());
  ASSERT_TRUE(d.send("POST /api/v1/alerts HTTP/1.1\r\nHost: x\r\nContent-Length: 8000000\r\n\r\n" +
                     std::string(64 * 1024, 'x')));
  answer = d.read_all();
  EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u) << answer;

  // An authenticated one is served as before.
  EXPECT_EQ(server_->client().get("/api/v1/agents").status, 200);
}

TEST_F(PreAuthTest, AnOversizeFirstFrameClosesAnIbexConnectionAndAnAgentWebSocketAndIsCounted) {
  // Ibex: a str32 announcing 15 MB inside a Report, 2 MB of it sent.
  mend::testing::TestAgent ibex(server_->ibex_rpc_port());
  // [0, 1, "Server.Report", [{"Ident": <str32 of 15,000,000 bytes>...
  std::string frame = mend::testing::raw_report_up_to_ident();
  frame += '\xdb';
  frame += std::string("\x00\xe4\xe1\xc0", 4);
  ibex.send_raw(frame);
  ibex.send_raw(std::string(2 * 1024 * 1024, 'a'));
  EXPECT_TRUE(ibex.closed_by_server());

  // Native agent: a 15 MB first frame instead of a hello.
  RawAgent agent(server_->host(), server_->port());
  ASSERT_TRUE(agent.connect()) << agent.error();
  agent.send_text(std::string(15 * 1000 * 1000, 'h'));
  EXPECT_FALSE(agent.receive(10s).has_value());

  HttpClient c = server_->client();
  EXPECT_EQ(metric(c, "mend_preauth_oversize_frames_total{listener=\"ibex_rpc\"}"), "1");
  EXPECT_EQ(metric(c, "mend_preauth_oversize_frames_total{listener=\"agent_ws\"}"), "1");
  // The real agents are still connected and work.
  int64_t id = api().create_task(task_form({"host-a"}, sh_script("echo fine")));
  ASSERT_TRUE(api().wait_task_done(id));
  EXPECT_EQ(api().host_status(id, "host-a"), "success");
}

TEST_F(PreAuthTest, UnauthenticatedConnectionsFromOneSourceAreCappedWithAClearRefusal) {
  // Eight idle connections that never send a request fill 127.0.0.1's share...
  std::vector<std::unique_ptr<RawTcp>> idle;
  for (int i = 0; i < 8; ++i) {
    idle.push_back(std::make_unique<RawTcp>(server_->port()));
    ASSERT_TRUE(idle.back()->ok());
  }
  // (the server counts a connection once its accept ran: wait for it to see all eight)
  ASSERT_TRUE(wait_until([&] {
    RawTcp probe(server_->port());
    std::string a = probe.read_all(2s);
    return a.find("503") != std::string::npos;
  }));
  RawTcp refused(server_->port());
  std::string answer = refused.read_all();
  EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
  EXPECT_NE(answer.find("too many unauthenticated connections from 127.0.0.1"), std::string::npos) << answer;

  // Authenticated agents do not count: the three agents stay, and a fourth connects.
  idle.clear();
  add_agent("host-d");
  ASSERT_TRUE(api().wait_agents({"host-a", "host-b", "host-c", "host-d"}));
  HttpClient c = server_->client();
  EXPECT_NE(metric(c, "mend_connections_refused_total{listener=\"http\",reason=\"per_source\"}"), "0");
  EXPECT_NE(metric(c, "mend_connections_refused_total{listener=\"http\",reason=\"per_source\"}"), "");
}

// ---- 2 and 3. One webhook: ten thousand alerts, and a bad alert in a batch.

class AlertFloodTest : public ClusterTest {
 protected:
  ServerOptions server_options() const override {
    if (!std::filesystem::exists(dir_->file("rules.yaml")))
      write_file(dir_->file("rules.yaml"),
                 "templates:\n"
                 "  fix:\n"
                 "    title: Fix\n"
                 "    account: " + current_account() + "\n"
                 "    script: \"echo fixed $MEND_HOST\"\n"
                 "rules:\n"
                 "  - name: unknown-hosts\n"
                 "    matchers: ['alertname=\"Flood\"']\n"
                 "    template: fix\n"
                 "  - name: ghosts\n"
                 "    matchers: ['alertname=\"Ghost\"']\n"
                 "    template: fix\n"
                 "    require_known_host: false\n");
    ServerOptions o;
    o.extra_args = {"--rules", dir_->file("rules.yaml").string()};
    return o;
  }

  static json alert(const std::string& name, const std::string& instance, int n) {
    return json{{"status", "firing"},
                {"labels", {{"alertname", name}, {"instance", instance}}},
                {"annotations", json::object()},
                {"startsAt", "2026-12-01T00:00:00Z"},
                {"endsAt", "0001-01-01T00:00:00Z"},
                {"fingerprint", "fp-" + std::to_string(n)}};
  }
  static json webhook(json alerts) {
    return json{{"version", "4"}, {"status", "firing"}, {"receiver", "mend"}, {"groupKey", "{}"}, {"alerts", alerts}};
  }
};

TEST_F(AlertFloodTest, TenThousandAlertsForUnknownHostsLeaveAgentsConnectedAndTheirTaskRunning) {
  // host-a runs a task that outlives the webhook by far (the agent's idle
  // timeout is 20 s: a stalled server would drop it and time the task out).
  std::string gate = dir_->file("gate").string();
  // Its own timeout is far beyond the script's 60 s bound, so only a dropped
  // connection, never a slow (ASan, busy) machine, could fail the host.
  auto form = task_form({"host-a"}, sh_script("i=0; while [ ! -f " + gate + " ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo done"));
  form["timeout"] = 600;
  int64_t id = api().create_task(form);
  ASSERT_TRUE(api().wait_host_status(id, "host-a", "running"));

  json alerts = json::array();
  for (int i = 0; i < 10000; ++i) alerts.push_back(alert("Flood", "ghost-" + std::to_string(i) + ":9100", i));
  // A raw request with a generous bound: an ASan build on a busy machine
  // takes longer than the test client's 30 s (the time is not what is tested).
  std::string body = webhook(alerts).dump();
  RawTcp post(server_->port());
  ASSERT_TRUE(post.send("POST /api/v1/alerts/alertmanager HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
  std::string answer = post.read_all(600s);
  ASSERT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer.substr(0, 300);
  json dat = json::parse(answer.substr(answer.find("\r\n\r\n") + 4), nullptr, false)["dat"];
  ASSERT_EQ(dat["decisions"].size(), 10000u);
  for (const auto& d : dat["decisions"]) ASSERT_EQ(d["decision"], "host_unknown") << d.dump();

  // Every agent stayed connected all along, and the task goes on to succeed.
  EXPECT_EQ(api().agents().size(), 3u);
  write_file(gate, "");
  ASSERT_TRUE(api().wait_task_done(id));
  EXPECT_EQ(api().host_status(id, "host-a"), "success");
  // No agent reconnected during the flood: each connected once.
  std::ostringstream logs;
  server_->print_logs(logs);
  for (const auto& h : kHosts) {
    size_t n = 0;
    for (size_t at = logs.str().find("agent " + h + " connected"); at != std::string::npos;
         at = logs.str().find("agent " + h + " connected", at + 1))
      ++n;
    EXPECT_EQ(n, 1u) << h;
  }
}

TEST_F(AlertFloodTest, ABadAlertInABatchIsRefusedAloneAndTheOthersAreDecided) {
  json alerts = json::array({alert("Ghost", "ghost-2", 2), alert("Ghost", "bad\nhost", 3), alert("Ghost", "ghost-3", 4)});
  HttpResponse r = server_->client().post_json("/api/v1/alerts/alertmanager", webhook(alerts));
  ASSERT_EQ(r.status, 200) << r;
  json d = r.dat()["decisions"];
  ASSERT_EQ(d.size(), 3u) << r;
  EXPECT_EQ(d[0]["decision"], "ran");
  EXPECT_EQ(d[1]["decision"], "refused");
  EXPECT_NE(d[1]["reason"].get<std::string>().find("control characters"), std::string::npos) << d[1];
  EXPECT_EQ(d[2]["decision"], "ran");
  EXPECT_EQ(r.dat()["refused"], 1);
  // Each has its record.
  HttpResponse records = server_->client().get("/api/v1/heal/records?rule=ghosts");
  EXPECT_EQ(records.dat()["list"].size(), 3u) << records;
}

// ---- 5. The SQLite database is readable by its owner only.

TEST(DatabaseModeTest, TheDatabaseAndItsWalAndShmAreCreatedOwnerOnlyWhateverTheUmask) {
  TempDir dir;
  mode_t old = ::umask(0);  // the server inherits it: nothing taken away
  ServerProcess server(dir);
  server.start();
  ::umask(old);
  // A write, so -wal and -shm exist.
  HttpResponse r = IbexApi(server.client()).create_task_raw(task_form({"nobody-here"}, sh_script("true")));
  ASSERT_EQ(r.status, 200) << r;
  for (const std::string suffix : {"", "-wal", "-shm"}) {
    struct stat st {};
    std::string p = server.db_path().string() + suffix;
    ASSERT_EQ(::stat(p.c_str(), &st), 0) << p;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << p;
  }
  server.stop();

  // An existing wider file is kept as the operator set it, and reported.
  ASSERT_EQ(::chmod(server.db_path().c_str(), 0644), 0);
  server.start();
  std::ostringstream logs;
  server.print_logs(logs);
  EXPECT_NE(logs.str().find("has mode 0644"), std::string::npos) << logs.str();
  server.stop();
}

// ---- 8. NUL bytes in task fields.

TEST_F(ClusterTest, NulBytesInTaskFieldsAreRefused) {
  for (const char* field : {"account", "args", "title", "script", "creator"}) {
    json form = task_form({"host-a"}, sh_script("echo hi"));
    form[field] = std::string(field == std::string("account") ? "nobody" : "x") + std::string(1, '\0') + "root";
    HttpResponse r = api().create_task_raw(form);
    // Ibex answers its field checks with HTTP 200 and the message in err.
    EXPECT_EQ(r.status, 200) << field << ": " << r;
    EXPECT_EQ(r.err(), "arg(" + std::string(field) + ") contains a NUL byte") << field << ": " << r;
  }
  // /api/v1: a template with one is a 400.
  HttpResponse t = server_->client().post_json(
      "/api/v1/templates", json{{"name", "t"}, {"title", "T"}, {"account", std::string("nobody\0root", 11)},
                                {"script", "echo"}});
  EXPECT_EQ(t.status, 400) << t;
  EXPECT_NE(t.body.find("NUL"), std::string::npos) << t;
}

}  // namespace
}  // namespace mend::it
