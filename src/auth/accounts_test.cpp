// Accounts over a real store on each backend with a fake clock: sessions expire,
// tokens are scoped, expire and are revoked, failed sign-ins slow down.
#include "auth/accounts.hpp"

#include <gtest/gtest.h>

#include "store/backend_store_test.hpp"
#include "testing/fake_clock.hpp"

namespace mend::auth {
namespace {

class AccountsTest : public mend::testing::BackendStoreTest {
 protected:
  void SetUp() override {
    BackendStoreTest::SetUp();
    if (HasFatalFailure()) return;
    accounts = std::make_unique<Accounts>(*store_, clock);
    ASSERT_TRUE(accounts->create_user("alice", "user", "operator", "alice-password").ok());
  }
  mend::testing::FakeClock clock;
  std::unique_ptr<Accounts> accounts;
};

INSTANTIATE_TEST_SUITE_P(Backends, AccountsTest, ::testing::ValuesIn(mend::testing::store_backends()),
                         mend::testing::backend_name);

TEST_P(AccountsTest, PasswordsAreHashedWithArgon2idAndChecked) {
  auto users = accounts->list_users();
  ASSERT_TRUE(users.ok());
  std::optional<StoredUser> stored;
  ASSERT_TRUE(store_->read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(stored, tx.find_user("alice"));
    return ok();
  }).ok());
  EXPECT_EQ(stored->password_hash.rfind("$argon2id$", 0), 0u) << stored->password_hash;
  EXPECT_EQ(stored->password_hash.find("alice-password"), std::string::npos);
  auto who = accounts->by_password("alice", "alice-password", "10.0.0.1:5");
  ASSERT_TRUE(who.ok() && who->has_value());
  EXPECT_EQ((*who)->role, "operator");
  EXPECT_TRUE((*who)->may(Permission::ibex_call));
  EXPECT_FALSE((*who)->may(Permission::user_manage));
  auto wrong = accounts->by_password("alice", "alice-passwore", "10.0.0.1:5");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message, "unauthorized: the user or password is not accepted");
  // An unknown name is not this directory's: the resolver tries configured users.
  auto unknown = accounts->by_password("zed", "whatever-pass", "10.0.0.1:5");
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
  EXPECT_FALSE(accounts->create_user("bob", "user", "operator", "short").ok());
  EXPECT_FALSE(accounts->create_user("bob bob", "user", "operator", "long-enough-1").ok());
  EXPECT_FALSE(accounts->create_user("bob", "user", "root", "long-enough-1").ok());
  EXPECT_EQ(accounts->create_user("alice", "user", "viewer", "long-enough-1").error().code, ErrorCode::conflict);
}

TEST_P(AccountsTest, FailedSignInsSlowDownPerUserAndPerSource) {
  for (int i = 0; i < SignInThrottle::kFreeFailures; ++i)
    EXPECT_FALSE(accounts->sign_in("alice", "nope-nope-nope", "10.0.0.1:1").ok());
  auto slowed = accounts->sign_in("alice", "alice-password", "10.0.0.2:1");
  ASSERT_FALSE(slowed.ok());
  EXPECT_EQ(slowed.error().message, "unauthorized: too many failed sign-ins; try again in 1 s");
  clock.advance_ms(1000);
  EXPECT_TRUE(accounts->sign_in("alice", "alice-password", "10.0.0.2:1").ok());
  // The guessing address stays slowed for other names too.
  ASSERT_TRUE(accounts->create_user("bob", "user", "viewer", "bob-password-1").ok());
  EXPECT_FALSE(accounts->sign_in("bob", "nope-nope-nope", "10.0.0.1:9").ok());
  auto from_guesser = accounts->sign_in("bob", "bob-password-1", "10.0.0.1:9");
  ASSERT_FALSE(from_guesser.ok());
  EXPECT_NE(from_guesser.error().message.find("too many failed sign-ins"), std::string::npos);
}

TEST_P(AccountsTest, SessionsCarryCsrfAndExpireWhenIdle) {
  auto s = accounts->sign_in("alice", "alice-password", "10.0.0.1:1");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->principal.method, AuthMethod::session);
  EXPECT_EQ(s->principal.csrf_token.size(), 64u);
  auto again = accounts->by_session(s->cookie_value);
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->csrf_token, s->principal.csrf_token);
  EXPECT_FALSE(accounts->by_session("not-a-session")->has_value());
  clock.advance_ms(AccountsOptions{}.session_idle_ms + 1);
  EXPECT_FALSE(accounts->by_session(s->cookie_value)->has_value());

  auto s2 = accounts->sign_in("alice", "alice-password", "10.0.0.1:1");
  ASSERT_TRUE(s2.ok());
  ASSERT_TRUE(accounts->update_user("alice", "", "", true).ok());  // disabled: signed out
  EXPECT_FALSE(accounts->by_session(s2->cookie_value)->has_value());
}

TEST_P(AccountsTest, TokensAreScopedExpireAndAreRevoked) {
  auto t = accounts->create_token("alice", "am", "alert.post", 60'000);
  ASSERT_TRUE(t.ok()) << t.error().message;
  auto who = accounts->by_token(t->token);
  ASSERT_TRUE(who.ok() && who->has_value());
  EXPECT_EQ((*who)->permissions.names(), std::vector<std::string>{"alert.post"});
  EXPECT_EQ((*who)->method, AuthMethod::bearer);
  EXPECT_FALSE(accounts->create_token("alice", "x", "user.manage", 0).ok());  // beyond operator
  EXPECT_FALSE(accounts->by_token("mend_unknown")->has_value());

  clock.advance_ms(60'000);
  auto expired = accounts->by_token(t->token);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().message, "unauthorized: the token 'am' (" + t->token.substr(0, 12) + "...) has expired");

  auto forever = accounts->create_token("alice", "ci", "", 0);
  ASSERT_TRUE(forever.ok());
  auto whole_role = accounts->by_token(forever->token);
  ASSERT_TRUE(whole_role.ok() && whole_role->has_value());
  EXPECT_TRUE((*whole_role)->may(Permission::ibex_call));
  ASSERT_TRUE(accounts->revoke_token(forever->row.id).ok());
  EXPECT_EQ(accounts->revoke_token(forever->row.id).error().code, ErrorCode::conflict);
  auto revoked = accounts->by_token(forever->token);
  ASSERT_FALSE(revoked.ok());
  EXPECT_NE(revoked.error().message.find("was revoked"), std::string::npos);
}

TEST_P(AccountsTest, TheFirstAdminIsCreatedOnce) {
  mend::testing::TestDatabase fresh_db{GetParam()};
  auto s = open_store(fresh_db.url());
  ASSERT_TRUE(s.ok()) << s.error().message;
  Accounts fresh(**s, clock);
  auto first = fresh.create_first_admin("admin", "");
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->size(), 24u);
  EXPECT_TRUE(fresh.by_password("admin", **first, "x:1")->has_value());
  auto second = fresh.create_first_admin("admin", "");
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
}

}  // namespace
}  // namespace mend::auth
