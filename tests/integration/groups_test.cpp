// Host groups on a real mend-server started with --auth on: an operator runs a
// template only on hosts of groups they may write (a request with one host
// outside them is refused whole and creates nothing), admins and the
// configured --basic-auth user (Nightingale's) reach every host, a heal rule
// whose owner lost access stops firing with decision `forbidden`, and every
// change to groups and grants writes one audit record. mendctl manages them.
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

#include "support/agent_process.hpp"
#include "support/ibex_api.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace mend::it {
namespace {

using nlohmann::json;

constexpr const char* kAdminPassword = "admin-password-1";

class GroupsTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }
  // extra: more mend-server flags.
  void start(const std::vector<std::string>& extra) {
    write_file(dir_.file("admin-password"), std::string(kAdminPassword) + "\n");
    ServerOptions options;
    // Nightingale's user from the configuration, with the operator role.
    options.basic_auth = {"n9e:n9e-password-1"};
    options.extra_args = {"--auth", "on", "--admin-password-file", dir_.file("admin-password").string(),
                          "--basic-auth-role", "operator"};
    options.extra_args.insert(options.extra_args.end(), extra.begin(), extra.end());
    if (server_) (void)server_->stop();
    server_ = std::make_unique<ServerProcess>(dir_, options);
    server_->start();
    admin_ = server_->anonymous_client().with_auth(std::string("admin:") + kAdminPassword);
    HttpResponse bob = admin_.post_json("/api/v1/users", {{"name", "bob"}, {"role", "operator"}, {"password", "bob-password-1"}});
    ASSERT_TRUE(bob.status == 200 || bob.status == 409) << bob;  // 409: made before a restart
    bob_ = server_->anonymous_client().with_auth("bob:bob-password-1");
  }
  void TearDown() override {
    if (HasFailure()) server_->print_logs(std::cerr);
  }

  void ok(const HttpResponse& r) { ASSERT_EQ(r.status, 200) << r; }

  // Groups web (web-*) and db (db-01); bob may write web and read db.
  void make_groups() {
    ok(admin_.post_json("/api/v1/groups", {{"name", "web"}, {"hosts", {"web-*"}}, {"description", "front ends"}}));
    ok(admin_.post_json("/api/v1/groups", {{"name", "db"}, {"hosts", {"db-01"}}}));
    ok(admin_.put_json("/api/v1/groups/web/grants/bob", {{"access", "write"}}));
    ok(admin_.put_json("/api/v1/groups/db/grants/bob", {{"access", "read"}}));
  }

  int64_t task_count() {
    HttpResponse r = admin_.get("/ibex/v1/tasks?limit=1000");
    EXPECT_EQ(r.status, 200) << r;
    return r.dat().value("total", int64_t{-1});
  }

  json newest_audit(const std::string& query = "") {
    HttpResponse r = admin_.get("/api/v1/audit?limit=1" + query);
    EXPECT_EQ(r.status, 200) << r;
    return r.dat()["list"].empty() ? json() : r.dat()["list"][0];
  }

  int64_t audit_count() {
    HttpResponse r = admin_.get("/api/v1/audit?limit=1000");
    EXPECT_EQ(r.status, 200) << r;
    return static_cast<int64_t>(r.dat()["list"].size());
  }

  HttpResponse alert(const std::string& host) {
    return admin_.post_json("/api/v1/alerts",
                            {{"labels", {{"alertname", "WebDown"}, {"host", host}}}, {"status", "firing"}});
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  HttpClient admin_, bob_;
};

TEST_F(GroupsTest, OperatorRunsTemplatesOnlyOnHostsOfTheirGroups) {
  make_groups();
  ok(admin_.post_json("/api/v1/templates",
                      {{"name", "restart"}, {"title", "Restart"}, {"account", "root"}, {"script", "true"}, {"group", "web"}}));

  HttpResponse mine = bob_.post_json("/api/v1/templates/restart/run", {{"hosts", {"web-01", "web-02"}}});
  ASSERT_EQ(mine.status, 200) << mine;
  EXPECT_EQ(mine.dat()["hosts"], json({"web-01", "web-02"}));
  const int64_t tasks = task_count();
  EXPECT_EQ(tasks, 1);

  // One host outside bob's writable groups refuses the whole request, naming it.
  for (const auto& hosts : {json({"web-01", "db-01"}), json({"mail-01"})}) {
    HttpResponse refused = bob_.post_json("/api/v1/templates/restart/run", {{"hosts", hosts}});
    EXPECT_EQ(refused.status, 403) << refused;
    EXPECT_EQ(refused.json.value("permission", ""), "task.run_template") << refused;
    const std::string outside = hosts.back().get<std::string>();
    EXPECT_NE(refused.json.value("error", "").find("on host " + outside + ": not in a group where bob has write access"),
              std::string::npos)
        << refused;
    EXPECT_EQ(refused.json.value("error", "").find("web-01"), std::string::npos) << refused;
    EXPECT_EQ(task_count(), tasks) << "a refused request created a task";
    json rec = newest_audit();
    EXPECT_EQ(rec.value("action", ""), "task.create") << rec;
    EXPECT_EQ(rec.value("outcome", ""), "refused") << rec;
    EXPECT_EQ(rec.value("actor", ""), "bob") << rec;
  }

  // Admins, and the configured user Nightingale signs in as, reach every host.
  EXPECT_EQ(admin_.post_json("/api/v1/templates/restart/run", {{"hosts", {"db-01", "mail-01"}}}).status, 200);
  HttpClient n9e = server_->anonymous_client().with_auth("n9e:n9e-password-1");
  EXPECT_EQ(n9e.post_json("/api/v1/templates/restart/run", {{"hosts", {"db-01"}}}).status, 200);
  HttpResponse ibex = n9e.post_json("/ibex/v1/tasks", task_form({"db-01"}, sh_script("true\n")));
  EXPECT_EQ(ibex.status, 200) << ibex;
  EXPECT_EQ(ibex.err(), "") << ibex;
  EXPECT_EQ(task_count(), tasks + 3);

  // Saving into a group needs write access to it.
  HttpResponse read_only = bob_.post_json(
      "/api/v1/templates", {{"name", "t2"}, {"title", "T"}, {"account", "root"}, {"script", "true"}, {"group", "db"}});
  EXPECT_EQ(read_only.status, 403) << read_only;
  EXPECT_NE(read_only.json.value("error", "").find("no write access"), std::string::npos) << read_only;
  EXPECT_EQ(admin_.get("/api/v1/templates/t2").status, 404);
  EXPECT_EQ(bob_.post_json("/api/v1/templates",
                           {{"name", "t3"}, {"title", "T"}, {"account", "root"}, {"script", "true"}, {"group", "web"}})
                .status,
            200);
  // Nor can a template of a group one may only read be moved out of it or deleted.
  ok(admin_.post_json("/api/v1/templates",
                      {{"name", "db-t"}, {"title", "T"}, {"account", "root"}, {"script", "true"}, {"group", "db"}}));
  EXPECT_EQ(bob_.put_json("/api/v1/templates/db-t",
                          {{"name", "db-t"}, {"title", "T"}, {"account", "root"}, {"script", "true"}, {"group", "web"}})
                .status,
            403);
  EXPECT_EQ(bob_.request("DELETE", "/api/v1/templates/db-t", "").status, 403);
  EXPECT_EQ(admin_.get("/api/v1/templates/db-t").dat().value("group", ""), "db");

  // Each user sees their own access; a viewer may not run templates at all.
  HttpResponse groups = bob_.get("/api/v1/groups");
  ASSERT_EQ(groups.status, 200) << groups;
  ASSERT_EQ(groups.dat().size(), 2u);
  EXPECT_EQ(groups.dat()[0].value("name", ""), "db");
  EXPECT_EQ(groups.dat()[0].value("access", ""), "read");
  EXPECT_EQ(groups.dat()[1].value("access", ""), "write");
  EXPECT_EQ(groups.dat()[1]["hosts"], json({"web-*"}));
  ok(admin_.post_json("/api/v1/users", {{"name", "carol"}, {"role", "viewer"}, {"password", "carol-password-1"}}));
  HttpResponse viewer = server_->anonymous_client().with_auth("carol:carol-password-1").post_json(
      "/api/v1/templates/restart/run", {{"hosts", {"web-01"}}});
  EXPECT_EQ(viewer.status, 403) << viewer;
  EXPECT_EQ(viewer.json.value("permission", ""), "task.run_template");
}

TEST_F(GroupsTest, RuleWhoseOwnerLostAccessStopsFiringAsForbidden) {
  make_groups();
  ok(admin_.post_json("/api/v1/templates",
                      {{"name", "fix"}, {"title", "Fix"}, {"account", "root"}, {"script", "true"}, {"group", "web"}}));
  // Saving a rule in a group bob cannot write is refused, and nothing is saved.
  HttpResponse db_rule = bob_.post_json(
      "/api/v1/heal-rules", {{"name", "db-fix"}, {"template", "fix"}, {"group", "db"}, {"require_known_host", false}});
  EXPECT_EQ(db_rule.status, 403) << db_rule;
  EXPECT_EQ(db_rule.json.value("permission", ""), "rule.edit") << db_rule;
  EXPECT_EQ(admin_.get("/api/v1/heal-rules/db-fix").status, 404);

  HttpResponse saved = bob_.post_json("/api/v1/heal-rules", {{"name", "web-fix"},
                                                            {"template", "fix"},
                                                            {"group", "web"},
                                                            {"matchers", {"alertname=\"WebDown\""}},
                                                            {"require_known_host", false}});
  ASSERT_EQ(saved.status, 200) << saved;
  EXPECT_EQ(saved.dat().value("owner", ""), "user:bob");

  HttpResponse first = alert("web-01");
  ASSERT_EQ(first.status, 200) << first;
  EXPECT_EQ(first.dat()["decisions"][0].value("decision", ""), "ran") << first;
  const int64_t tasks = task_count();

  // bob loses write access to web: the rule he saved stops.
  ok(admin_.request("DELETE", "/api/v1/groups/web/grants/bob", ""));
  HttpResponse second = alert("web-02");
  ASSERT_EQ(second.status, 200) << second;
  const json decision = second.dat()["decisions"][0];
  EXPECT_EQ(decision.value("decision", ""), "forbidden") << second;
  EXPECT_TRUE(decision["task_id"].is_null()) << second;
  EXPECT_NE(decision.value("reason", "").find("bob"), std::string::npos) << second;
  EXPECT_EQ(task_count(), tasks);

  HttpResponse records = admin_.get("/api/v1/heal/records?decision=forbidden");
  ASSERT_EQ(records.status, 200) << records;
  ASSERT_EQ(records.dat()["list"].size(), 1u) << records;
  EXPECT_EQ(records.dat()["list"][0].value("host", ""), "web-02");
  EXPECT_EQ(records.dat()["list"][0].value("rule", ""), "web-fix");
  json audited = newest_audit("&action=heal.run");
  EXPECT_EQ(audited.value("outcome", ""), "refused") << audited;
  EXPECT_EQ(audited.value("actor", ""), "web-fix") << audited;
  EXPECT_NE(audited["summary"].dump().find("forbidden"), std::string::npos) << audited;

  // Saved again by an admin, it acts with the admin's access.
  ok(admin_.put_json("/api/v1/heal-rules/web-fix", {{"name", "web-fix"},
                                                    {"template", "fix"},
                                                    {"group", "web"},
                                                    {"matchers", {"alertname=\"WebDown\""}},
                                                    {"require_known_host", false}}));
  EXPECT_EQ(alert("web-03").dat()["decisions"][0].value("decision", ""), "ran");
}

TEST_F(GroupsTest, GroupChangesAreAuditedOnceEachAndRefusedForOperators) {
  struct Change {
    const char* method;
    std::string path;
    json body;
    std::string action;
  };
  const std::vector<Change> changes = {
      {"POST", "/api/v1/groups", {{"name", "web"}, {"hosts", {"web-*"}}}, "group.create"},
      {"PUT", "/api/v1/groups/web", {{"hosts", {"web-*", "lb-01"}}}, "group.update"},
      {"PUT", "/api/v1/groups/web/grants/bob", {{"access", "write"}}, "group.grant"},
      {"DELETE", "/api/v1/groups/web/grants/bob", nullptr, "group.revoke"},
      {"DELETE", "/api/v1/groups/web", nullptr, "group.delete"},
  };
  for (const auto& c : changes) {
    const int64_t before = audit_count();
    HttpResponse r = admin_.request(c.method, c.path, c.body.is_null() ? "" : c.body.dump());
    EXPECT_EQ(r.status, 200) << c.method << " " << c.path << ": " << r;
    EXPECT_EQ(audit_count(), before + 1) << c.method << " " << c.path;
    json rec = newest_audit();
    EXPECT_EQ(rec.value("action", ""), c.action) << rec;
    EXPECT_EQ(rec.value("outcome", ""), "ok") << rec;
    EXPECT_EQ(rec.value("actor", ""), "admin") << rec;
  }
  EXPECT_EQ(admin_.get("/api/v1/groups/web").status, 404);

  const int64_t before = audit_count();
  HttpResponse refused = bob_.post_json("/api/v1/groups", {{"name", "mine"}, {"hosts", {"*"}}});
  EXPECT_EQ(refused.status, 403) << refused;
  EXPECT_EQ(refused.json.value("permission", ""), "user.manage");
  EXPECT_EQ(audit_count(), before + 1);
  EXPECT_EQ(newest_audit().value("outcome", ""), "refused");
  EXPECT_EQ(admin_.get("/api/v1/groups").dat().size(), 0u);

  HttpResponse roles = bob_.get("/api/v1/roles");
  ASSERT_EQ(roles.status, 200) << roles;
  ASSERT_EQ(roles.dat().size(), 3u);
  EXPECT_EQ(roles.dat()[0].value("name", ""), "admin");
  EXPECT_EQ(roles.dat()[2]["permissions"], json({"task.read", "agent.read"}));
}

TEST_F(GroupsTest, ConfiguredGroupsNarrowTheConfiguredCredentials) {
  make_groups();
  ok(admin_.post_json("/api/v1/templates", {{"name", "restart"}, {"title", "Restart"}, {"account", "root"}, {"script", "true"}}));
  start({"--configured-groups", "web"});
  HttpClient n9e = server_->anonymous_client().with_auth("n9e:n9e-password-1");
  EXPECT_EQ(n9e.post_json("/api/v1/templates/restart/run", {{"hosts", {"web-01"}}}).status, 200);
  HttpResponse refused = n9e.post_json("/api/v1/templates/restart/run", {{"hosts", {"db-01"}}});
  EXPECT_EQ(refused.status, 403) << refused;
  EXPECT_NE(refused.json.value("error", "").find("n9e may not run template 'restart' on host db-01"), std::string::npos)
      << refused;
  // Ad hoc scripts through the Ibex API keep their own permission.
  EXPECT_EQ(n9e.post_json("/ibex/v1/tasks", task_form({"db-01"}, sh_script("true\n"))).err(), "");
}

TEST_F(GroupsTest, MendctlManagesGroupsAndRunsTemplates) {
  auto ctl = [&](const std::string& user_pass, std::vector<std::string> args) {
    std::vector<std::string> argv = {MENDCTL_BIN, "--server", server_->url(), "--user", user_pass};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, dir_.path(), "mendctl");
  };
  const std::string admin = std::string("admin:") + kAdminPassword;
  RunResult add = ctl(admin, {"groups", "add", "web", "--hosts", "web-*,lb-01", "--description", "front ends"});
  EXPECT_EQ(add.status.code, 0) << add.out << add.err;
  RunResult grant = ctl(admin, {"groups", "grant", "web", "bob", "write"});
  EXPECT_EQ(grant.status.code, 0) << grant.out << grant.err;
  EXPECT_NE(grant.out.find("bob has write access to group web"), std::string::npos) << grant.out;
  RunResult show = ctl(admin, {"groups", "show", "web"});
  EXPECT_NE(show.out.find("web-*,lb-01"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("bob"), std::string::npos) << show.out;
  ok(admin_.post_json("/api/v1/templates",
                      {{"name", "hello"}, {"title", "Hello"}, {"account", "root"}, {"script", "true"}, {"group", "web"}}));
  RunResult run = ctl("bob:bob-password-1", {"templates", "run", "hello", "--hosts", "web-01,lb-01"});
  EXPECT_EQ(run.status.code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("on web-01,lb-01"), std::string::npos) << run.out;
  RunResult refused = ctl("bob:bob-password-1", {"templates", "run", "hello", "--hosts", "db-01"});
  EXPECT_NE(refused.status.code, 0) << refused.out;
  EXPECT_NE((refused.out + refused.err).find("db-01"), std::string::npos) << refused.err;
  RunResult list = ctl("bob:bob-password-1", {"groups", "list"});
  EXPECT_NE(list.out.find("write"), std::string::npos) << list.out;
  RunResult as_json = ctl("bob:bob-password-1", {"-o", "json", "groups", "list"});
  ASSERT_EQ(as_json.status.code, 0) << as_json.err;
  json listed = json::parse(as_json.out, nullptr, false);
  ASSERT_TRUE(listed.is_array()) << as_json.out;
  EXPECT_EQ(listed[0].value("access", ""), "write") << as_json.out;
  // A group a template belongs to cannot go.
  RunResult in_use = ctl(admin, {"groups", "delete", "web"});
  EXPECT_NE(in_use.status.code, 0) << in_use.out;
  EXPECT_NE(in_use.err.find("has template 'hello'"), std::string::npos) << in_use.err;
  RunResult revoke = ctl(admin, {"groups", "grant", "web", "bob", "none"});
  EXPECT_EQ(revoke.status.code, 0) << revoke.err;
  EXPECT_NE(ctl("bob:bob-password-1", {"templates", "run", "hello", "--hosts", "web-01"}).status.code, 0);
}

// Membership by label: the group `prod` names no host, it selects agents
// started with --label env=prod. bob, who may write it, runs a template on
// such an agent; on one without the label the whole request is refused and
// nothing is created. The selector's changes are audited like the rest.
TEST_F(GroupsTest, AGroupsLabelSelectorTakesTheAgentsReportingItsLabels) {
  const int64_t audits = audit_count();
  ok(admin_.post_json("/api/v1/groups", {{"name", "prod"}, {"labels", "env=prod"}}));
  EXPECT_EQ(audit_count(), audits + 1);
  json created = newest_audit();
  EXPECT_EQ(created.value("action", ""), "group.create") << created;
  EXPECT_NE(created["summary"].dump().find("env=prod"), std::string::npos) << created;
  ok(admin_.put_json("/api/v1/groups/prod/grants/bob", {{"access", "write"}}));
  ok(admin_.post_json("/api/v1/templates",
                      {{"name", "hello"}, {"title", "Hello"}, {"account", "root"}, {"script", "true"}, {"group", "prod"}}));

  AgentOptions labelled;
  labelled.extra_args = {"--label", "env=prod", "--label", "team=db"};
  AgentProcess pg1(dir_, "pg-1", {server_->url()}, labelled);
  AgentOptions other;
  other.extra_args = {"--label", "env=dev"};
  AgentProcess pg2(dir_, "pg-2", {server_->url()}, other);
  pg1.start();
  pg2.start();
  IbexApi api(admin_);
  ASSERT_TRUE(api.wait_agents({"pg-1", "pg-2"}));
  json agents = api.agents();
  for (const auto& a : agents) {
    if (a.value("ident", "") == "pg-1") {
      EXPECT_EQ(a["labels"], json({{"env", "prod"}, {"team", "db"}})) << a;
      EXPECT_EQ(a["groups"], json({"prod"})) << a;
    } else {
      EXPECT_EQ(a["labels"], json({{"env", "dev"}})) << a;
      EXPECT_EQ(a["groups"], json::array()) << a;
    }
  }

  const int64_t tasks = task_count();
  HttpResponse mine = bob_.post_json("/api/v1/templates/hello/run", {{"hosts", {"pg-1"}}});
  ASSERT_EQ(mine.status, 200) << mine;
  EXPECT_EQ(task_count(), tasks + 1);
  HttpResponse refused = bob_.post_json("/api/v1/templates/hello/run", {{"hosts", {"pg-1", "pg-2"}}});
  EXPECT_EQ(refused.status, 403) << refused;
  EXPECT_NE(refused.json.value("error", "").find("on host pg-2: not in a group where bob has write access"),
            std::string::npos)
      << refused;
  EXPECT_EQ(task_count(), tasks + 1) << "a refused request created a task";

  // The selector changed: pg-2 is in, pg-1 out. Audited once.
  const int64_t before = audit_count();
  ok(admin_.put_json("/api/v1/groups/prod", {{"labels", "env=dev"}}));
  EXPECT_EQ(audit_count(), before + 1);
  EXPECT_EQ(newest_audit().value("action", ""), "group.update");
  EXPECT_EQ(bob_.post_json("/api/v1/templates/hello/run", {{"hosts", {"pg-2"}}}).status, 200);
  EXPECT_EQ(bob_.post_json("/api/v1/templates/hello/run", {{"hosts", {"pg-1"}}}).status, 403);

  // A bad selector is refused with the reason, and changes nothing.
  HttpResponse bad = admin_.put_json("/api/v1/groups/prod", {{"labels", "env"}});
  EXPECT_EQ(bad.status, 400) << bad;
  EXPECT_NE(bad.json.value("err", "").find("expected key=value"), std::string::npos) << bad;
  EXPECT_EQ(admin_.get("/api/v1/groups/prod").dat().value("labels", ""), "env=dev");
  (void)pg1.stop();
  (void)pg2.stop();
}

// An agent whose labels break the rules says why and exits, at start (its
// own check) and when a server refuses them.
TEST_F(GroupsTest, AnAgentWithABadLabelSaysWhyAndExits) {
  AgentOptions bad;
  bad.extra_args = {"--label", "bad key=x"};
  AgentProcess agent(dir_, "bad-1", {server_->url()}, bad);
  agent.start();
  auto st = agent.process()->wait_for(std::chrono::seconds(20));
  ASSERT_TRUE(st.has_value()) << "the agent kept running";
  EXPECT_EQ(st->code, 2);
  std::ostringstream log;
  agent.print_logs(log);
  EXPECT_NE(log.str().find("bad label 'bad key': key may hold only letters, digits and _ . - /"), std::string::npos)
      << log.str();
  EXPECT_TRUE(IbexApi(admin_).agent_idents().empty());
}

}  // namespace
}  // namespace mend::it
