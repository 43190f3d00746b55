// Agents' identities with real processes: a join token traded for a
// certificate, the ident taken from it, revocation, and every way a token or
// a certificate request can be wrong.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "support/agent_process.hpp"
#include "support/tls_fixture.hpp"
#include "support/wait.hpp"

namespace mend::it {
namespace {

using nlohmann::json;

class EnrollTest : public TlsServerTest {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.agent_token = "";  // certificates only
    server_ = std::make_unique<TlsServer>(dir_, o);
    server_->start();
  }

  RunResult mendctl(std::vector<std::string> args) { return server_->mendctl(std::move(args)); }
  // A join token from mendctl (the token alone on stdout).
  std::string join_token(std::vector<std::string> args) {
    std::vector<std::string> argv = {"agents", "join-token"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = mendctl(argv);
    EXPECT_EQ(r.status.code, 0) << r.err;
    std::string token = r.out;
    while (!token.empty() && token.back() == '\n') token.pop_back();
    return token;
  }
  // An agent that knows only the server's URL and its join token (no --cacert,
  // no shared token): the token's fingerprint is its trust. `machine` holds
  // its spool (another TempDir: a second machine claiming the same name).
  AgentProcess& enrolled_agent(const std::string& ident, const std::string& token, const TempDir* machine = nullptr) {
    AgentOptions o;
    o.token = "";
    o.extra_args = {"--join-token", token};
    return start_agent(machine ? *machine : dir_, ident, o);
  }
  std::string server_log() { return server_->log(); }
  IbexApi api() { return server_->api(); }

  TempDir other_machine_;
};

TEST_F(EnrollTest, ATokenBecomesACertificateAndTheIdentComesFromIt) {
  std::string token = join_token({"--host", "web-01"});
  ASSERT_EQ(token.rfind("mendjoin1.", 0), 0u) << token;
  AgentProcess& a = enrolled_agent("web-01", token);
  ASSERT_TRUE(api().wait_agents({"web-01"})) << log_of(a);
  EXPECT_EQ(api().agent("web-01").value("identity", ""), "enrolled");

  struct stat st {};
  ASSERT_EQ(::stat((a.spool_dir() / "tls" / "key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The private key never left: the server's log and database hold no key.
  EXPECT_EQ(server_log().find("PRIVATE KEY"), std::string::npos);

  IbexApi ibex = api();
  int64_t id = ibex.create_task(task_form({"web-01"}, sh_script("echo enrolled\n")));
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_stdout(id, "web-01"), "enrolled\n");

  // A restart needs no token: the certificate is kept.
  a.stop();
  ASSERT_TRUE(api().wait_agents({}));
  a.start();
  EXPECT_TRUE(api().wait_agents({"web-01"})) << log_of(a);
  RunResult list = mendctl({"agents"});
  EXPECT_NE(list.out.find("enrolled"), std::string::npos) << list.out;
}

TEST_F(EnrollTest, AnAgentWithoutACertificateIsRefusedWithAReason) {
  AgentOptions o;
  o.token = "some-guess";
  o.extra_args = {"--cacert", server_->ca_path().string()};
  AgentProcess& a = start_agent(dir_, "host-x", o);
  EXPECT_TRUE(wait_until([&] { return log_of(a).find("certificate only") != std::string::npos; })) << log_of(a);
  EXPECT_NE(server_log().find("no certificate"), std::string::npos);
  EXPECT_EQ(server_log().find("some-guess"), std::string::npos) << "a secret in the log";
  EXPECT_TRUE(api().agent("host-x").is_null());
}

TEST_F(EnrollTest, ASingleUseTokenWorksOnceAndOnlyForItsHost) {
  std::string token = join_token({"--host", "web-01"});
  // Another host name: refused, and the token is not spent.
  AgentProcess& wrong = enrolled_agent("web-02", token);
  EXPECT_TRUE(wait_until([&] { return wrong.process()->wait_for(std::chrono::milliseconds(0)).has_value(); }));
  EXPECT_NE(log_of(wrong).find("not for host web-02"), std::string::npos) << log_of(wrong);

  AgentProcess& right = enrolled_agent("web-01", token);
  ASSERT_TRUE(api().wait_agents({"web-01"})) << log_of(right);

  // Used twice (another machine claiming the same name): refused.
  AgentProcess& again = enrolled_agent("web-01", token, &other_machine_);
  EXPECT_TRUE(wait_until([&] { return again.process()->wait_for(std::chrono::milliseconds(0)).has_value(); }));
  EXPECT_NE(log_of(again).find("used up"), std::string::npos) << log_of(again);
  EXPECT_EQ(server_log().find(token.substr(token.size() - 80)), std::string::npos) << "the token is in the log";
  // The enrolled agent did not notice.
  EXPECT_TRUE(api().wait_agents({"web-01"}));
}

TEST_F(EnrollTest, AnExpiredTokenIsRefused) {
  std::string token = join_token({"--host", "web-01", "--ttl", "1s"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  AgentProcess& a = enrolled_agent("web-01", token);
  EXPECT_TRUE(wait_until([&] { return a.process()->wait_for(std::chrono::milliseconds(0)).has_value(); }));
  EXPECT_NE(log_of(a).find("expired"), std::string::npos) << log_of(a);
}

TEST_F(EnrollTest, ARevokedJoinTokenEnrollsNoOneAndTheRevocationIsAudited) {
  std::string token = join_token({"--pattern", "web-*", "--max-hosts", "5"});
  HttpClient c = server_->plain_client();
  HttpResponse listed = c.get("/api/v1/join-tokens");
  ASSERT_EQ(listed.status, 200) << listed;
  ASSERT_EQ(listed.dat().size(), 1u) << listed;
  const std::string id = listed.dat()[0].value("id", "");
  ASSERT_FALSE(id.empty()) << listed;

  RunResult revoked = mendctl({"agents", "revoke-token", id});  // DELETE /api/v1/join-tokens/ID
  ASSERT_EQ(revoked.status.code, 0) << revoked.out << revoked.err;
  EXPECT_NE(revoked.out.find("join token " + id + " revoked"), std::string::npos) << revoked.out;
  EXPECT_EQ(c.request("DELETE", "/api/v1/join-tokens/no-such-token", "").status, 404);
  EXPECT_NE(mendctl({"agents", "revoke-token", "no-such-token"}).status.code, 0);
  json after = c.get("/api/v1/join-tokens").dat()[0];
  EXPECT_LE(after.value("expires_ms", int64_t{0}), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                         std::chrono::system_clock::now().time_since_epoch())
                                                         .count())
      << after;

  AgentProcess& a = enrolled_agent("web-01", token);
  EXPECT_TRUE(wait_until([&] { return a.process()->wait_for(std::chrono::milliseconds(0)).has_value(); }));
  EXPECT_NE(log_of(a).find("expired"), std::string::npos) << log_of(a);
  EXPECT_TRUE(api().agent("web-01").is_null());

  HttpResponse audit = c.get("/api/v1/audit?limit=1000");
  ASSERT_EQ(audit.status, 200) << audit;
  std::set<std::string> actions;
  for (const auto& r : audit.dat()["list"]) actions.insert(r.value("action", ""));
  EXPECT_TRUE(actions.count("agent.join_token")) << audit;
  EXPECT_TRUE(actions.count("agent.join_token_revoke")) << audit;
}

TEST_F(EnrollTest, AReusableTokenTakesMatchingHostsUpToItsCount) {
  std::string token = join_token({"--pattern", "web-*", "--max-hosts", "2"});
  enrolled_agent("web-1", token);
  enrolled_agent("web-2", token);
  ASSERT_TRUE(api().wait_agents({"web-1", "web-2"}));
  AgentProcess& third = enrolled_agent("web-3", token);
  EXPECT_TRUE(wait_until([&] { return third.process()->wait_for(std::chrono::milliseconds(0)).has_value(); }));
  EXPECT_NE(log_of(third).find("used up"), std::string::npos) << log_of(third);
  std::string other = join_token({"--pattern", "web-*", "--max-hosts", "5"});
  AgentProcess& db = enrolled_agent("db-1", other);
  EXPECT_TRUE(wait_until([&] { return db.process()->wait_for(std::chrono::milliseconds(0)).has_value(); }));
  EXPECT_NE(log_of(db).find("not for host db-1"), std::string::npos) << log_of(db);
}

TEST_F(EnrollTest, RevokingClosesTheConnectionAndRefusesItsReturn) {
  enrolled_agent("web-01", join_token({"--host", "web-01"}));
  AgentProcess& other = enrolled_agent("web-02", join_token({"--host", "web-02"}));
  ASSERT_TRUE(api().wait_agents({"web-01", "web-02"}));
  RunResult r = mendctl({"agents", "revoke", "web-01"});
  EXPECT_EQ(r.status.code, 0) << r.err;
  EXPECT_TRUE(api().wait_agents({"web-02"}));
  EXPECT_TRUE(wait_until([&] { return log_of(*agents_.front()).find("is revoked") != std::string::npos; }))
      << log_of(*agents_.front());
  EXPECT_NE(server_log().find("is revoked"), std::string::npos);
  // The other agent works on.
  IbexApi ibex = api();
  int64_t id = ibex.create_task(task_form({"web-02"}, sh_script("echo fine\n")));
  ASSERT_TRUE(ibex.wait_task_done(id)) << log_of(other);
  EXPECT_EQ(ibex.host_status(id, "web-02"), "success");
}

TEST_F(EnrollTest, MalformedAndOversizedRequestsAreRefusedWithoutSpendingTheToken) {
  std::string token = join_token({"--host", "web-01"});
  // The agents' routes are the same on the plain listener; the point here is
  // what the server does with the bodies.
  HttpClient c = server_->plain_client();
  HttpResponse bad = c.post_json("/api/v1/agent/enroll", json{{"token", token}, {"host", "web-01"}, {"csr", "junk"}});
  EXPECT_EQ(bad.status, 400) << bad;
  HttpResponse big = c.post_json("/api/v1/agent/enroll",
                                 json{{"token", token}, {"host", "web-01"}, {"csr", std::string(20000, 'A')}});
  EXPECT_EQ(big.status, 413) << big;
  HttpResponse not_json = c.post("/api/v1/agent/enroll", "{{{");
  EXPECT_EQ(not_json.status, 400) << not_json;
  HttpResponse bad_token = c.post_json("/api/v1/agent/enroll", json{{"token", "mendjoin1.aa.bb.cc"}, {"host", "x"}});
  EXPECT_EQ(bad_token.status, 400) << bad_token;
  EXPECT_EQ(server_log().find(token), std::string::npos) << "the token is in the log";
  // The token still works.
  enrolled_agent("web-01", token);
  EXPECT_TRUE(api().wait_agents({"web-01"}));
}

}  // namespace
}  // namespace mend::it
