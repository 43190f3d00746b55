// AgentTrust on a real SQLite trust store in memory, with a fake clock.
#include "tls/enroll/agent_trust.hpp"

#include <gtest/gtest.h>

#include "store/trust_store.hpp"
#include "testing/fake_clock.hpp"
#include "tls/enroll/server_ca.hpp"
#include "tls/join_token.hpp"

namespace mend::tls {
namespace {

class AgentTrustTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = open_trust_store("sqlite::memory:");
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    auto ca = load_or_create_ca(*store_, clock_.now_ms());
    ASSERT_TRUE(ca.ok()) << ca.error().message;
    trust_ = std::make_unique<AgentTrust>(*store_, *ca, clock_);
  }
  std::string token_for(std::string host, std::string pattern = "", int64_t max_hosts = 1) {
    JoinTokenRequest r;
    r.host = std::move(host);
    r.pattern = std::move(pattern);
    r.max_hosts = max_hosts;
    auto t = trust_->create_join_token(r);
    EXPECT_TRUE(t.ok()) << t.error().message;
    return t.ok() ? t->token : "";
  }
  std::string csr(const std::string& name) {
    auto key = generate_private_key_pem();
    return *make_certificate_request(*key, name);
  }

  testing::FakeClock clock_;
  std::unique_ptr<TrustStore> store_;
  std::unique_ptr<AgentTrust> trust_;
};

TEST_F(AgentTrustTest, TheCaIsMadeOnceAndKept) {
  auto again = load_or_create_ca(*store_, clock_.now_ms());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->fingerprint(), trust_->ca().fingerprint());
}

TEST_F(AgentTrustTest, ATokenCarriesTheCaFingerprintAndEnrollsItsHostOnce) {
  std::string token = token_for("web-01");
  auto parts = parse_join_token(token);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->ca_fingerprint, trust_->ca().fingerprint());
  auto wrong_host = trust_->enroll(token, "web-02", csr("web-02"));
  ASSERT_FALSE(wrong_host.ok());
  EXPECT_EQ(wrong_host.error().code, ErrorCode::unauthorized);
  auto cert = trust_->enroll(token, "web-01", csr("anything"));
  ASSERT_TRUE(cert.ok()) << cert.error().message;
  EXPECT_EQ(cert->common_name, "web-01");
  auto twice = trust_->enroll(token, "web-01", csr("web-01"));
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("used up"), std::string::npos) << twice.error().message;
}

TEST_F(AgentTrustTest, WrongSecretsAndExpiredTokensAreRefused) {
  std::string token = token_for("web-01");
  auto parts = *parse_join_token(token);
  parts.secret[0] = parts.secret[0] == 'a' ? 'b' : 'a';
  auto forged = trust_->enroll(format_join_token(parts), "web-01", csr("web-01"));
  ASSERT_FALSE(forged.ok());
  EXPECT_EQ(forged.error().message, "unknown join token");
  clock_.advance_ms(3600 * 1000);
  auto late = trust_->enroll(token, "web-01", csr("web-01"));
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.error().message.find("expired"), std::string::npos);
}

TEST_F(AgentTrustTest, APatternTokenTakesMatchingHostsUpToItsCount) {
  std::string token = token_for("", "web-*", 2);
  EXPECT_TRUE(trust_->enroll(token, "web-1", csr("x")).ok());
  EXPECT_FALSE(trust_->enroll(token, "db-1", csr("x")).ok());
  EXPECT_FALSE(trust_->enroll(token, "web-1", csr("x")).ok()) << "the same host twice";
  EXPECT_TRUE(trust_->enroll(token, "web-2", csr("x")).ok());
  EXPECT_FALSE(trust_->enroll(token, "web-3", csr("x")).ok());
}

TEST_F(AgentTrustTest, ABadRequestDoesNotSpendTheToken) {
  std::string token = token_for("web-01");
  EXPECT_EQ(trust_->enroll(token, "web-01", "junk").error().code, ErrorCode::invalid_input);
  EXPECT_TRUE(trust_->enroll(token, "web-01", csr("web-01")).ok());
}

TEST_F(AgentTrustTest, RevocationIsSeenByPollingAndRefusesTheCertificate) {
  auto cert = trust_->enroll(token_for("web-01"), "web-01", csr("web-01"));
  ASSERT_TRUE(cert.ok());
  PeerCertificate peer{true, "web-01", cert->serial, cert->not_before_ms, cert->not_after_ms};
  EXPECT_EQ(trust_->refusal(peer), "");
  auto renewed = trust_->renew(peer, csr("web-01"));
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ(renewed->common_name, "web-01");
  // Another server sharing the database revokes: this one learns it by polling.
  ASSERT_TRUE(store_->revoke_agent_certs("web-01", clock_.now_ms()).ok());
  auto hosts = trust_->poll_revocations();
  ASSERT_TRUE(hosts.ok());
  ASSERT_EQ(hosts->size(), 2u);
  EXPECT_EQ((*hosts)[0], "web-01");
  EXPECT_NE(trust_->refusal(peer).find("revoked"), std::string::npos);
  EXPECT_FALSE(trust_->renew(peer, csr("web-01")).ok());
  // Seen once.
  EXPECT_TRUE(trust_->poll_revocations()->empty());
}

TEST_F(AgentTrustTest, TokenRequestsAreChecked) {
  JoinTokenRequest both;
  both.host = "a";
  both.pattern = "b*";
  EXPECT_FALSE(trust_->create_join_token(both).ok());
  JoinTokenRequest none;
  EXPECT_FALSE(trust_->create_join_token(none).ok());
  JoinTokenRequest bad_host;
  bad_host.host = "a b";
  EXPECT_FALSE(trust_->create_join_token(bad_host).ok());
  JoinTokenRequest forever;
  forever.host = "a";
  forever.ttl = std::chrono::seconds(100LL * 24 * 3600);
  EXPECT_FALSE(trust_->create_join_token(forever).ok());
}

}  // namespace
}  // namespace mend::tls
