// TLS on the server's listener: agents, mendctl and API clients over HTTPS
// with Mend's own CA, and what happens to everything that is not TLS or does
// not trust that CA.
#include <gtest/gtest.h>

#include <csignal>

#include "common/asio.hpp"
#include "support/cluster_fixture.hpp"
#include "support/wait.hpp"
#include "tls/certificate_authority.hpp"

namespace mend::it {
namespace {

using nlohmann::json;

class TlsTest : public ClusterTest {
 protected:
  ServerOptions server_options() const override {
    ServerOptions o;
    o.tls = true;
    return o;
  }
  std::string server_log() { return read_file(server_->process()->spec().stderr_path); }
};

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

TEST_F(TlsTest, AgentsRunTasksOverTls) {
  IbexApi ibex = api();
  int64_t id = ibex.create_task(task_form(kHosts, sh_script("echo over-tls $MEND_HOST\n")));
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_task_done(id));
  for (const auto& h : kHosts) {
    EXPECT_EQ(ibex.host_status(id, h), "success") << h;
    EXPECT_EQ(ibex.host_stdout(id, h), "over-tls " + h + "\n") << h;
  }
}

TEST_F(TlsTest, MendctlVerifiesTheServerAgainstTheCa) {
  RunResult ok = mendctl({"agents"});
  EXPECT_EQ(ok.status.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("host-a"), std::string::npos) << ok.out;

  // Without the CA, the system's CAs do not know Mend's: refused with a hint.
  RunResult refused = run_command({MENDCTL_BIN, "--server", server_->url(), "agents"}, dir_->path(), "mendctl-no-ca");
  EXPECT_EQ(refused.status.code, 2) << refused.out;
  EXPECT_NE(refused.err.find("certificate verify failed"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--cacert"), std::string::npos) << refused.err;
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortGetsAPlainAnswer) {
  HttpResponse r = HttpClient(server_->host(), server_->port()).get("/ping");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_NE(r.body.find("HTTPS"), std::string::npos) << r;
  EXPECT_TRUE(wait_until([&] { return server_log().find("not TLS (plain HTTP?)") != std::string::npos; }));
  // The agents did not notice.
  EXPECT_TRUE(api().wait_agents(kHosts));
  EXPECT_EQ(server_->anonymous_client().get("/ping").body, "pong");
}

TEST_F(TlsTest, GarbageAndBrokenHandshakesAreDroppedAndLogged) {
  // Bytes that claim to be a TLS handshake record but are not one.
  std::string fake_hello("\x16\x03\x01\x00\x05garbage-after-a-tls-header", 31);
  std::string answer = raw_exchange(server_->port(), fake_hello);
  EXPECT_EQ(answer.find("pong"), std::string::npos);
  EXPECT_TRUE(wait_until([&] { return server_log().find("TLS handshake from 127.0.0.1") != std::string::npos; }))
      << server_log();
  std::string junk = raw_exchange(server_->port(), std::string(64, '\0'));
  EXPECT_EQ(junk.find("pong"), std::string::npos);
  // The agents keep working.
  IbexApi ibex = api();
  int64_t id = ibex.create_task(task_form({"host-a"}, sh_script("echo still\n")));
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_status(id, "host-a"), "success");
}

TEST_F(TlsTest, AnAgentThatTrustsAnotherCaDoesNotConnect) {
  TempDir other;
  auto made = tls::CertificateAuthority::generate("Another CA", 1'700'000'000'000);
  ASSERT_TRUE(made.ok());
  write_file(other.file("other-ca.pem"), made->cert_pem);
  AgentOptions o;
  o.extra_args = {"--cacert", other.file("other-ca.pem").string()};
  agents_.push_back(std::make_unique<AgentProcess>(*dir_, "host-d", std::vector<std::string>{server_->url()}, o));
  AgentProcess& a = *agents_.back();
  a.start();
  std::string log_path = a.process()->spec().stderr_path;
  EXPECT_TRUE(wait_until([&] { return read_file(log_path).find("TLS handshake failed") != std::string::npos; }))
      << read_file(log_path);
  EXPECT_NE(read_file(log_path).find("certificate verify failed"), std::string::npos) << read_file(log_path);
  json list = api().agents();
  for (const auto& e : list) EXPECT_NE(e.value("ident", ""), "host-d") << list;
}

// The operator's certificate, rotated with SIGHUP: new connections see the
// new one, connected agents stay connected.
class OperatorCertTest : public ::testing::Test {
 protected:
  static void write_server_cert(const TempDir& dir, const std::string& ca_name, const std::string& stem) {
    auto material = tls::CertificateAuthority::generate(ca_name, now());
    ASSERT_TRUE(material.ok());
    auto ca = tls::CertificateAuthority::load(*material);
    ASSERT_TRUE(ca.ok());
    tls::CertProfile p;
    p.common_name = "127.0.0.1";
    p.ip_addresses = {"127.0.0.1"};
    p.use = tls::CertUse::server;
    auto issued = ca->issue_with_new_key(p, now());
    ASSERT_TRUE(issued.ok()) << issued.error().message;
    write_file(dir.file(stem + "-ca.pem"), ca->cert_pem());
    write_file(dir.file(stem + "-cert.pem"), issued->cert.cert_pem);
    write_file(dir.file(stem + "-key.pem"), issued->key_pem);
  }
  static int64_t now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

TEST_F(OperatorCertTest, SighupLoadsTheNewCertificateWithoutDroppingAgents) {
  TempDir dir;
  write_server_cert(dir, "Operator CA 1", "one");
  write_server_cert(dir, "Operator CA 2", "two");
  std::filesystem::copy_file(dir.file("one-cert.pem"), dir.file("cert.pem"));
  std::filesystem::copy_file(dir.file("one-key.pem"), dir.file("key.pem"));
  ServerOptions o;
  o.tls = true;
  o.extra_args = {"--tls-cert", dir.file("cert.pem").string(), "--tls-key", dir.file("key.pem").string()};
  ServerProcess server(dir, o);
  server.start();
  HttpClient one = HttpClient(server.host(), server.port()).with_tls(read_file(dir.file("one-ca.pem")));
  HttpClient two = HttpClient(server.host(), server.port()).with_tls(read_file(dir.file("two-ca.pem")));
  EXPECT_EQ(one.get("/ping").body, "pong");
  EXPECT_EQ(two.get("/ping").status, 0);

  AgentOptions ao;
  ao.extra_args = {"--cacert", dir.file("one-ca.pem").string()};
  AgentProcess agent(dir, "host-a", {server.url()}, ao);
  agent.start();
  IbexApi api(one);
  ASSERT_TRUE(api.wait_agents({"host-a"}));

  std::filesystem::copy_file(dir.file("two-cert.pem"), dir.file("cert.pem"),
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(dir.file("two-key.pem"), dir.file("key.pem"),
                             std::filesystem::copy_options::overwrite_existing);
  server.process()->signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return two.get("/ping").body == "pong"; })) << two.get("/ping");
  EXPECT_EQ(one.get("/ping").status, 0);
  // The agent's connection was made with the old certificate and is still up.
  IbexApi api2(two);
  int64_t id = api2.create_task(task_form({"host-a"}, sh_script("echo after-rotation\n")));
  ASSERT_GT(id, 0);
  ASSERT_TRUE(api2.wait_task_done(id));
  EXPECT_EQ(api2.host_status(id, "host-a"), "success");
  std::string agent_log = read_file(agent.process()->spec().stderr_path);
  size_t first = agent_log.find("connected to");
  EXPECT_NE(first, std::string::npos) << agent_log;
  EXPECT_EQ(agent_log.find("connected to", first + 1), std::string::npos) << "the agent reconnected:\n" << agent_log;
  agent.stop();
  server.stop();
}

}  // namespace
}  // namespace mend::it
