// HostGroups over a real store on each backend: who may run a template on which
// hosts, and who may save into which group.
#include "auth/host_groups.hpp"

#include <gtest/gtest.h>

#include "auth/accounts.hpp"
#include "store/backend_store_test.hpp"
#include "testing/fake_clock.hpp"

namespace mend::auth {
namespace {

class HostGroupsTest : public mend::testing::BackendStoreTest {
 protected:
  void SetUp() override {
    BackendStoreTest::SetUp();
    if (HasFatalFailure()) return;
    accounts = std::make_unique<Accounts>(*store_, clock);
    groups = std::make_unique<HostGroups>(*store_, clock);
    ASSERT_TRUE(accounts->create_user("alice", "user", "operator", "alice-password").ok());
    ASSERT_TRUE(groups->create("web", {"web-*", "lb-01"}, "").ok());
    ASSERT_TRUE(groups->create("db", {"db-0[1-3]"}, "").ok());
    ASSERT_TRUE(groups->grant("web", "alice", GroupAccess::write).ok());
    ASSERT_TRUE(groups->grant("db", "alice", GroupAccess::read).ok());
  }

  GroupAuthority alice() {
    auto a = groups->authority_of_owner("user:alice");
    EXPECT_TRUE(a.ok());
    return a.ok() ? *a : GroupAuthority{};
  }

  mend::testing::FakeClock clock;
  std::unique_ptr<Accounts> accounts;
  std::unique_ptr<HostGroups> groups;
};

INSTANTIATE_TEST_SUITE_P(Backends, HostGroupsTest, ::testing::ValuesIn(mend::testing::store_backends()),
                         mend::testing::backend_name);

TEST_P(HostGroupsTest, RunsOnlyOnHostsOfWritableGroupsAndNamesEveryOtherHost) {
  EXPECT_TRUE(groups->check_run(alice(), "t", "", {"web-01", "lb-01"}).ok());
  auto refused = groups->check_run(alice(), "t", "", {"web-01", "db-02", "mail"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::forbidden);
  EXPECT_EQ(refused.error().message,
            "alice may not run template 't' on host db-02, mail: not in a group where alice has write access");
  // Read access to the template's group is enough to use the template.
  EXPECT_TRUE(groups->check_run(alice(), "t", "db", {"web-01"}).ok());
  ASSERT_TRUE(groups->create("ops", {"*"}, "").ok());
  EXPECT_EQ(groups->check_run(alice(), "t", "ops", {"web-01"}).error().message,
            "alice has no access to group 'ops' of template 't'");
  // A rule's own group bounds it even for an owner who reaches everything.
  GroupAuthority all;
  all.who = "admin";
  all.all = true;
  EXPECT_TRUE(groups->check_run(all, "t", "", {"anything"}).ok());
  EXPECT_EQ(groups->check_run(all, "t", "", {"db-01"}, "web").error().message, "host db-01 is not in group 'web'");
}

TEST_P(HostGroupsTest, SavingIntoAGroupNeedsWriteAccess) {
  EXPECT_TRUE(groups->check_save(alice(), "rule 'r'", "web").ok());
  EXPECT_TRUE(groups->check_save(alice(), "rule 'r'", "").ok());
  EXPECT_EQ(groups->check_save(alice(), "rule 'r'", "db").error().code, ErrorCode::forbidden);
  EXPECT_EQ(groups->check_save(alice(), "rule 'r'", "nope").error().code, ErrorCode::invalid_input);
}

TEST_P(HostGroupsTest, ConfiguredCredentialsAndAdminsReachEveryGroupDisabledOwnersNone) {
  Principal configured;
  configured.name = "n9e";
  configured.role = "operator";
  EXPECT_TRUE(groups->authority(configured)->all);
  EXPECT_TRUE(groups->authority_of_owner("")->all);
  EXPECT_TRUE(groups->authority_of_owner("config:n9e")->all);
  ASSERT_TRUE(accounts->update_user("alice", "admin", "", std::nullopt).ok());
  EXPECT_TRUE(alice().all);
  ASSERT_TRUE(accounts->update_user("alice", "operator", "", true).ok());
  EXPECT_FALSE(alice().all);
  EXPECT_TRUE(alice().groups.empty());
  EXPECT_TRUE(groups->authority_of_owner("user:gone")->groups.empty());
}

TEST_P(HostGroupsTest, ConfiguredGroupsNarrowTheConfiguredCredentials) {
  HostGroups narrowed(*store_, clock, {"web"});
  Principal n9e;
  n9e.name = "n9e";
  n9e.method = AuthMethod::basic;
  auto a = narrowed.authority(n9e);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->all);
  EXPECT_TRUE(narrowed.check_run(*a, "t", "", {"web-01"}).ok());
  EXPECT_EQ(narrowed.check_run(*a, "t", "", {"db-01"}).error().code, ErrorCode::forbidden);
  EXPECT_FALSE(narrowed.authority_of_owner("config:n9e")->all);
  // An open server has no configured credentials to narrow.
  Principal open;
  open.method = AuthMethod::open;
  EXPECT_TRUE(narrowed.authority(open)->all);
  EXPECT_TRUE(narrowed.authority_of_owner(owner_of(open))->all);
}

TEST_P(HostGroupsTest, NamesPatternsAndGrantsAreChecked) {
  EXPECT_EQ(groups->create("web", {}, "").error().code, ErrorCode::conflict);
  EXPECT_EQ(groups->create("a b", {}, "").error().code, ErrorCode::invalid_input);
  EXPECT_EQ(groups->create("x", {"a,b"}, "").error().code, ErrorCode::invalid_input);
  EXPECT_EQ(groups->grant("web", "nobody", GroupAccess::read).error().code, ErrorCode::not_found);
  EXPECT_EQ(groups->grant("none", "alice", GroupAccess::read).error().code, ErrorCode::not_found);
  ASSERT_TRUE(groups->revoke("web", "alice").ok());
  EXPECT_EQ(groups->revoke("web", "alice").error().code, ErrorCode::not_found);
  ASSERT_TRUE(groups->remove("web").ok());
  EXPECT_EQ(groups->remove("web").error().code, ErrorCode::not_found);
}

TEST_P(HostGroupsTest, ASelectorAddsTheHostsWhoseAgentsReportItsLabels) {
  ASSERT_TRUE(groups->create("prod", {}, "", "team=db, env=prod").ok());
  EXPECT_EQ(groups->find("prod")->value().labels, "env=prod,team=db") << "kept canonical";
  ASSERT_TRUE(groups->grant("prod", "alice", GroupAccess::write).ok());
  int reads = 0;
  groups->set_labels_source([&](const std::vector<std::string>& hosts) -> Result<HostLabels> {
    ++reads;
    HostLabels out;
    for (const auto& h : hosts) {
      if (h == "pg-1") out[h] = {{"env", "prod"}, {"team", "db"}, {"zone", "a"}};
      if (h == "pg-2") out[h] = {{"env", "dev"}, {"team", "db"}};
    }
    return out;
  });
  // pg-1 reports every label of the selector; pg-2 misses env=prod; web-01 is in by name.
  EXPECT_TRUE(groups->check_run(alice(), "t", "", {"pg-1", "web-01"}).ok());
  auto refused = groups->check_run(alice(), "t", "", {"pg-1", "pg-2"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message,
            "alice may not run template 't' on host pg-2: not in a group where alice has write access");
  // A rule bounded by the group reaches its labelled hosts and no others.
  GroupAuthority all;
  all.who = "admin";
  all.all = true;
  EXPECT_TRUE(groups->check_run(all, "t", "", {"pg-1"}, "prod").ok());
  EXPECT_FALSE(groups->check_run(all, "t", "", {"pg-2"}, "prod").ok());
  EXPECT_GT(reads, 0);
  // Clearing the selector takes the labelled hosts out again.
  ASSERT_TRUE(groups->update("prod", std::nullopt, std::nullopt, std::string("")).ok());
  EXPECT_FALSE(groups->check_run(alice(), "t", "", {"pg-1"}).ok());
}

TEST_P(HostGroupsTest, GroupsWithoutSelectorsReadNoLabels) {
  groups->set_labels_source([](const std::vector<std::string>&) -> Result<HostLabels> {
    ADD_FAILURE() << "labels read though no group has a selector";
    return HostLabels{};
  });
  EXPECT_TRUE(groups->check_run(alice(), "t", "", {"web-01"}).ok());
}

TEST_P(HostGroupsTest, BadSelectorsAreRefusedWithTheReason) {
  auto no_value = groups->create("x", {}, "", "env");
  ASSERT_FALSE(no_value.ok());
  EXPECT_EQ(no_value.error().code, ErrorCode::invalid_input);
  EXPECT_EQ(no_value.error().message,
            "labels: bad label 'env': expected key=value (a selector is key=value pairs separated by commas)");
  EXPECT_EQ(groups->create("x", {}, "", "env=a,env=b").error().message, "labels: key 'env' given twice");
  EXPECT_EQ(groups->create("x", {}, "", "bad key=v").error().code, ErrorCode::invalid_input);
  EXPECT_EQ(groups->update("web", std::nullopt, std::nullopt, std::string("=x")).error().code,
            ErrorCode::invalid_input);
  EXPECT_FALSE(groups->find("x")->has_value()) << "nothing was created";
}

TEST(GroupMembership, ByNameOrBySelector) {
  StoredGroup g{"g", "web-*", "", 0, 0, "env=prod"};
  std::map<std::string, std::string> prod{{"env", "prod"}}, dev{{"env", "dev"}};
  EXPECT_TRUE(group_has_host(g, "web-1", nullptr));
  EXPECT_TRUE(group_has_host(g, "db-1", &prod));
  EXPECT_FALSE(group_has_host(g, "db-1", &dev));
  EXPECT_FALSE(group_has_host(g, "db-1", nullptr));
  StoredGroup none{"n", "", "", 0, 0, ""};
  EXPECT_FALSE(group_has_host(none, "db-1", &prod)) << "an empty selector selects nobody";
}

}  // namespace
}  // namespace mend::auth
