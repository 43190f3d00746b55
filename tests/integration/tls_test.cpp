// TLS on the server's listener: agents, mendctl and API clients over HTTPS
// with Mend's own CA, and what happens to everything that is not TLS or does
// not trust that CA.
#include <gtest/gtest.h>

#include <csignal>
#include <iostream>
#include <sstream>

#include "common/asio.hpp"
#include "support/agent_process.hpp"
#include "support/tls_fixture.hpp"
#include "support/wait.hpp"
#include "tls/certificate_authority.hpp"

namespace mend::it {
namespace {

using nlohmann::json;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Sends raw bytes to the server's port and returns what comes back before it closes.
std::string raw_exchange(uint16_t port, const std::string& bytes) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  beast::error_code ec;
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return "connect: " + ec.message();
  asio::write(s, asio::buffer(bytes), ec);
  std::string out;
  char buf[4096];
  for (;;) {
    size_t n = s.read_some(asio::buffer(buf), ec);
    if (ec) break;
    out.append(buf, n);
  }
  return out;
}

// A TLS server with the legacy shared token on, and three agents that trust
// its CA (--cacert) and present the token.
class TlsTest : public TlsServerTest {
 protected:
  void SetUp() override {
    // The half-open handshakes test holds 200 connections from 127.0.0.1:
    // above the default cap on unauthenticated connections per source.
    ServerOptions o;
    o.extra_args = {"--max-unauthenticated-per-source", "1000"};
    server_ = std::make_unique<TlsServer>(dir_, o);
    server_->start();
    for (const char* h : {"host-a", "host-b", "host-c"}) add_agent(h, server_->ca_path().string());
    ASSERT_TRUE(server_->api().wait_agents({"host-a", "host-b", "host-c"}));
  }
  AgentProcess& add_agent(const std::string& ident, const std::string& ca_file) {
    AgentOptions o;
    o.extra_args = {"--cacert", ca_file};
    return start_agent(dir_, ident, o);
  }
};

TEST_F(TlsTest, AgentsRunTasksOverTlsAndAreListedAsLegacyToken) {
  IbexApi ibex = server_->api();
  int64_t id = ibex.create_task(task_form({"host-a", "host-b", "host-c"}, sh_script("echo over-tls $MEND_HOST\n")));
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_task_done(id));
  for (const char* h : {"host-a", "host-b", "host-c"}) {
    EXPECT_EQ(ibex.host_status(id, h), "success") << h;
    EXPECT_EQ(ibex.host_stdout(id, h), std::string("over-tls ") + h + "\n") << h;
  }
  json list = ibex.agents();
  ASSERT_EQ(list.size(), 3u) << list;
  for (const auto& a : list) EXPECT_EQ(a.value("identity", ""), "legacy_token") << a;
  HttpResponse metrics = server_->plain_client().get("/metrics");
  EXPECT_NE(metrics.body.find("mend_agents_by_identity{identity=\"legacy_token\"} 3"), std::string::npos)
      << metrics.body;
  EXPECT_NE(server_->log().find("shared --agent-token (legacy)"), std::string::npos);
}

TEST_F(TlsTest, MendctlVerifiesTheServerAgainstTheCa) {
  RunResult ok = server_->mendctl({"agents"});
  EXPECT_EQ(ok.status.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("host-a"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("legacy_token"), std::string::npos) << ok.out;

  // Without the CA, the system's CAs do not know Mend's: refused with a hint.
  RunResult refused = run_command({MENDCTL_BIN, "--server", server_->url(), "agents"}, dir_.path(), "mendctl-no-ca");
  EXPECT_EQ(refused.status.code, 2) << refused.out;
  EXPECT_NE(refused.err.find("certificate verify failed"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--cacert"), std::string::npos) << refused.err;
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortGetsAPlainAnswer) {
  HttpResponse r = HttpClient("127.0.0.1", server_->port()).get("/ping");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_NE(r.body.find("HTTPS"), std::string::npos) << r;
  EXPECT_TRUE(wait_until([&] { return server_->log().find("not TLS (plain HTTP?)") != std::string::npos; }));
  EXPECT_TRUE(server_->api().wait_agents({"host-a", "host-b", "host-c"}));
}

TEST_F(TlsTest, GarbageAndBrokenHandshakesAreDroppedAndLoggedWhileAgentsWork) {
  // Bytes that claim to be a TLS ClientHello (record type 22, handshake type
  // 1, which is what the server's TLS detection reads) but are not one.
  // Lengths consistent (record 42 bytes, handshake 38), the body garbage.
  std::string fake_hello("\x16\x03\x01\x00\x2a\x01\x00\x00\x26", 9);
  fake_hello += std::string(38, 'g');
  EXPECT_EQ(raw_exchange(server_->port(), fake_hello).find("pong"), std::string::npos);
  EXPECT_TRUE(wait_until([&] { return server_->log().find("TLS handshake from 127.0.0.1") != std::string::npos; }))
      << server_->log();
  EXPECT_EQ(raw_exchange(server_->port(), std::string(64, '\0')).find("pong"), std::string::npos);
  // Half-open handshakes: connections that send nothing, held open while the agents work.
  asio::io_context ioc;
  std::vector<std::unique_ptr<tcp::socket>> idle;
  for (int i = 0; i < 200; ++i) {
    auto s = std::make_unique<tcp::socket>(ioc);
    beast::error_code ec;
    s->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()), ec);
    if (!ec) idle.push_back(std::move(s));
  }
  EXPECT_GT(idle.size(), 100u);
  IbexApi ibex = server_->api();
  int64_t id = ibex.create_task(task_form({"host-a", "host-b", "host-c"}, sh_script("echo still\n")));
  ASSERT_TRUE(ibex.wait_task_done(id));
  for (const char* h : {"host-a", "host-b", "host-c"}) EXPECT_EQ(ibex.host_status(id, h), "success") << h;
}

TEST_F(TlsTest, AnAgentThatTrustsAnotherCaDoesNotConnect) {
  auto made = tls::CertificateAuthority::generate("Another CA", now_ms());
  ASSERT_TRUE(made.ok());
  write_file(dir_.file("other-ca.pem"), made->cert_pem);
  AgentProcess& a = add_agent("host-d", dir_.file("other-ca.pem").string());
  EXPECT_TRUE(wait_until([&] { return log_of(a).find("TLS handshake failed") != std::string::npos; })) << log_of(a);
  EXPECT_NE(log_of(a).find("certificate verify failed"), std::string::npos) << log_of(a);
  json list = server_->api().agents();
  for (const auto& e : list) EXPECT_NE(e.value("ident", ""), "host-d") << list;
}

// The operator's certificate, rotated with SIGHUP: new connections see the
// new one, connected agents stay connected.
void write_server_cert(const TempDir& dir, const std::string& ca_name, const std::string& stem) {
  auto material = tls::CertificateAuthority::generate(ca_name, now_ms());
  ASSERT_TRUE(material.ok());
  auto ca = tls::CertificateAuthority::load(*material);
  ASSERT_TRUE(ca.ok());
  tls::CertProfile p;
  p.common_name = "127.0.0.1";
  p.ip_addresses = {"127.0.0.1"};
  p.use = tls::CertUse::server;
  auto issued = ca->issue_with_new_key(p, now_ms());
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  write_file(dir.file(stem + "-ca.pem"), ca->cert_pem());
  write_file(dir.file(stem + "-cert.pem"), issued->cert.cert_pem);
  write_file(dir.file(stem + "-key.pem"), issued->key_pem);
}

TEST(OperatorCertTest, SighupLoadsTheNewCertificateWithoutDroppingAgents) {
  TempDir dir;
  write_server_cert(dir, "Operator CA 1", "one");
  write_server_cert(dir, "Operator CA 2", "two");
  std::filesystem::copy_file(dir.file("one-cert.pem"), dir.file("cert.pem"));
  std::filesystem::copy_file(dir.file("one-key.pem"), dir.file("key.pem"));
  ServerOptions o;
  o.extra_args = {"--tls-cert", dir.file("cert.pem").string(), "--tls-key", dir.file("key.pem").string()};
  TlsServer server(dir, o);
  server.start();
  auto ping_with = [&](const std::string& ca) {
    return run_command({MENDCTL_BIN, "--server", server.url(), "--cacert", dir.file(ca).string(), "agents"},
                       dir.path(), "mendctl")
        .status.code;
  };
  EXPECT_EQ(ping_with("one-ca.pem"), 0);
  EXPECT_EQ(ping_with("two-ca.pem"), 2);

  AgentOptions ao;
  ao.extra_args = {"--cacert", dir.file("one-ca.pem").string()};
  AgentProcess agent(dir, "host-a", {server.url()}, ao);
  agent.start();
  ASSERT_TRUE(server.api().wait_agents({"host-a"}));

  std::filesystem::copy_file(dir.file("two-cert.pem"), dir.file("cert.pem"),
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(dir.file("two-key.pem"), dir.file("key.pem"),
                             std::filesystem::copy_options::overwrite_existing);
  server.process().process()->signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return ping_with("two-ca.pem") == 0; }));
  EXPECT_EQ(ping_with("one-ca.pem"), 2);
  // The agent's connection was made with the old certificate and is still up.
  IbexApi api = server.api();
  int64_t id = api.create_task(task_form({"host-a"}, sh_script("echo after-rotation\n")));
  ASSERT_GT(id, 0);
  ASSERT_TRUE(api.wait_task_done(id));
  EXPECT_EQ(api.host_status(id, "host-a"), "success");
  std::string agent_log = read_file(agent.process()->spec().stderr_path);
  size_t first = agent_log.find("connected to");
  EXPECT_NE(first, std::string::npos) << agent_log;
  EXPECT_EQ(agent_log.find("connected to", first + 1), std::string::npos) << "the agent reconnected:\n" << agent_log;
  agent.stop();
  server.stop();
}

}  // namespace
}  // namespace mend::it
