// Several mend-server processes on one PostgreSQL database, agents spread over
// them: a server killed mid-run, a dispatch crossing servers, PostgreSQL
// restarted under running servers, an alert sent to two servers at once.
// Each test gets a fresh database on the server MEND_TEST_PG_URL names
// (scripts/with-postgres.sh starts one) and is skipped without it; the
// restart test also needs MEND_TEST_PG_CONTROL.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "store/test_backends.hpp"
#include "support/agent_process.hpp"
#include "support/process.hpp"
#include "support/ibex_api.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"
#include "testing/ibex_test_agent.hpp"

namespace mend::it {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

class PgClusterTest : public testing::PgDatabaseTest {
 protected:
  void SetUp() override {
    PgDatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    dir_ = std::make_unique<TempDir>();
  }

  void TearDown() override {
    if (HasFailure()) {
      std::ostringstream os;
      for (const auto& s : servers_) s->print_logs(os);
      for (const auto& a : agents_) a->print_logs(os);
      std::cerr << os.str();
    }
    for (auto& a : agents_) a->stop();
    for (auto& s : servers_)
      if (s->running()) s->stop();
    agents_.clear();
    servers_.clear();
    dir_.reset();
    db_.reset();
  }

  // A server named `id` (its --server-id) on the test database.
  ServerProcess& add_server(const std::string& id, std::vector<std::string> extra = {}) {
    ServerOptions o;
    o.db_url = db_->url();
    o.extra_args = {"--server-id", id};
    o.extra_args.insert(o.extra_args.end(), extra.begin(), extra.end());
    servers_.push_back(std::make_unique<ServerProcess>(*dir_, o, id));
    servers_.back()->start();
    return *servers_.back();
  }

  AgentProcess& add_agent(const std::string& ident, const std::vector<ServerProcess*>& servers) {
    std::vector<std::string> urls;
    for (auto* s : servers) urls.push_back(s->url());
    agents_.push_back(std::make_unique<AgentProcess>(*dir_, ident, urls));
    agents_.back()->start();
    return *agents_.back();
  }

  static IbexApi api(const ServerProcess& s) { return IbexApi(s.client()); }

  // A script that appends "TASK DISPATCH" to runs-HOST.log, after `body`.
  std::string logging_script(const std::string& body = "") const {
    return sh_script(body + "echo \"$MEND_TASK_ID $MEND_DISPATCH_ID\" >> " + dir_->path().string() +
                     "/runs-$MEND_HOST.log\n");
  }
  // task id -> how many times it ran on `host`, from the host's log.
  std::map<int64_t, int> runs_on(const std::string& host) const {
    std::map<int64_t, int> out;
    std::istringstream in(read_file(dir_->file("runs-" + host + ".log")));
    int64_t task = 0, dispatch = 0;
    while (in >> task >> dispatch) ++out[task];
    return out;
  }

  std::string sql(const std::string& statement) const { return testing::pg_sql(db_->url(), statement); }

  std::unique_ptr<TempDir> dir_;
  std::vector<std::unique_ptr<ServerProcess>> servers_;
  std::vector<std::unique_ptr<AgentProcess>> agents_;
};

TEST_F(PgClusterTest, ThreeServersOneKilledMidRunEveryHostRunsEveryTaskOnce) {
  // Long enough that s1 keeps its leases until it is killed even when a
  // loaded machine stalls it: with 2 s, a 3 s stall of the sanitizer build
  // (CI, 2026-12-02) let s2 take s1's tasks over before the kill, and the
  // test had nothing left to prove.
  constexpr int kLeaseMs = 5000;
  std::vector<std::string> lease = {"--lease-ms", std::to_string(kLeaseMs)};
  ServerProcess& s1 = add_server("s1", lease);
  ServerProcess& s2 = add_server("s2", lease);
  ServerProcess& s3 = add_server("s3", lease);
  std::vector<ServerProcess*> all = {&s1, &s2, &s3};
  // Agent i prefers server i % 3 and fails over to the others.
  std::vector<std::string> hosts;
  std::map<ServerProcess*, std::vector<std::string>> homes;
  for (int i = 0; i < 6; ++i) {
    std::string host = "h" + std::to_string(i);
    std::vector<ServerProcess*> order = {all[i % 3], all[(i + 1) % 3], all[(i + 2) % 3]};
    add_agent(host, order);
    hosts.push_back(host);
    homes[all[i % 3]].push_back(host);
  }
  for (auto* s : all) ASSERT_TRUE(api(*s).wait_agents(homes[s])) << s->url();

  // Nine tasks, three created on each server (which owns them), each on
  // every host in batches of two: every task needs hosts of all servers.
  std::vector<int64_t> tasks;
  for (int k = 0; k < 9; ++k) {
    json form = task_form(hosts, logging_script("sleep 0.3\n"));
    form["batch"] = 2;
    // A host timing out would pause its task (tolerance 0): on a busy machine
    // nine tasks queued on six hosts wait longer than the default 10 s.
    form["timeout"] = 300;
    form["title"] = "t" + std::to_string(k);
    int64_t id = api(*all[k % 3]).create_task(form);
    ASSERT_GT(id, 0);
    tasks.push_back(id);
  }
  // Kill s1 once one of its tasks is under way (a host finished, more to go).
  ASSERT_TRUE(wait_until([&] {
    return sql("SELECT COUNT(*) FROM task_hosts h JOIN tasks t ON t.id = h.task_id "
               "WHERE t.owner = 's1' AND t.done = 0 AND h.status = 'success'") != "0";
  })) << "no task of s1 got under way";
  s1.kill9();
  auto killed_at = Clock::now();
  int orphaned = std::stoi(sql("SELECT COUNT(*) FROM tasks WHERE owner = 's1' AND done = 0"));
  ASSERT_GT(orphaned, 0) << "s1 finished its tasks before it was killed: nothing to take over";

  // Takeover: every unfinished task of s1 has a new owner.
  ASSERT_TRUE(wait_until([&] { return sql("SELECT COUNT(*) FROM tasks WHERE owner = 's1' AND done = 0") == "0"; },
                         std::chrono::seconds(60)));
  auto takeover_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed_at).count();
  std::cout << "[mend-it] takeover: " << orphaned << " unfinished task(s) of the killed server owned by another "
            << "server " << takeover_ms << " ms after kill -9 (lease " << kLeaseMs << " ms)" << std::endl;
  RecordProperty("takeover_ms", std::to_string(takeover_ms));

  IbexApi survivor = api(s2);
  for (int64_t id : tasks) {
    ASSERT_TRUE(survivor.wait_task_done(id, std::chrono::seconds(60))) << "task " << id;
    for (const auto& [host, status] : survivor.host_statuses(id)) EXPECT_EQ(status, "success") << id << " " << host;
  }
  for (const auto& host : hosts) {
    auto runs = runs_on(host);
    EXPECT_EQ(runs.size(), tasks.size()) << host << " did not run every task";
    for (const auto& [task, n] : runs) EXPECT_EQ(n, 1) << "task " << task << " ran " << n << " times on " << host;
  }
}

TEST_F(PgClusterTest, ATaskCreatedOnOneServerRunsAndIsKilledOnAnAgentOfAnother) {
  // The periodic check is pushed far out: only the notification can carry
  // the dispatch from a to b within the test's wait.
  std::vector<std::string> no_check = {"--peer-check-ms", "600000"};
  ServerProcess& a = add_server("a", no_check);
  ServerProcess& b = add_server("b", no_check);
  add_agent("only-b", {&b});
  ASSERT_TRUE(api(b).wait_agents({"only-b"}));
  ASSERT_TRUE(api(a).wait_agents({}));

  int64_t id = api(a).create_task(task_form({"only-b"}, logging_script("echo ran on $MEND_HOST\n")));
  ASSERT_GT(id, 0);
  ASSERT_TRUE(api(a).wait_task_done(id));
  EXPECT_EQ(api(a).host_status(id, "only-b"), "success");
  EXPECT_EQ(api(a).host_stdout(id, "only-b"), "ran on only-b\n");
  EXPECT_EQ(runs_on("only-b")[id], 1);

  // A kill ordered on a reaches the script running under b.
  int64_t slow = api(a).create_task(task_form({"only-b"}, sh_script("sleep 60\n")));
  ASSERT_GT(slow, 0);
  ASSERT_TRUE(wait_until([&] { return sql("SELECT started_ms > 0 FROM dispatches WHERE task_id = " +
                                          std::to_string(slow)) == "t"; }));
  HttpResponse killed = api(a).host_action(slow, "only-b", "kill");
  ASSERT_EQ(killed.status, 200) << killed;
  ASSERT_TRUE(api(a).wait_host_status(slow, "only-b", "killed"));
  // b sent both (two assignments and the kill) because of notifications.
  HttpResponse metrics = b.client().get("/metrics");
  EXPECT_NE(metrics.body.find("mend_peer_messages_total{via=\"notification\"} 3\n"), std::string::npos)
      << metrics.body;
}

// Hardening item 1 across servers: a host whose native agent is connected to
// one server cannot be taken over on another server's Ibex port.
TEST_F(PgClusterTest, AnIbexClientOnOneServerCannotActForAHostANativeAgentServesOnAnother) {
  ServerProcess& a = add_server("a");
  ServerProcess& b = add_server("b", {"--ibex-rpc", "127.0.0.1:0", "--ibex-rpc-hosts", "*"});
  add_agent("only-a", {&a});
  ASSERT_TRUE(api(a).wait_agents({"only-a"}));
  // The attach is recorded in the database within moments (batched).
  ASSERT_TRUE(wait_until([&] { return sql("SELECT count(*) FROM native_hosts WHERE host = 'only-a'") == "1"; }));

  mend::testing::TestAgent attacker(b.ibex_rpc_port());
  auto r = attacker.call(ibex_rpc::ReportRequest{"only-a", {}}, ibex_rpc::ReplyKind::report);
  EXPECT_NE(r.error.find("native agent"), std::string::npos) << r.error;
  EXPECT_TRUE(attacker.closed_by_server());
  // A name no native agent ever served is still served on b.
  mend::testing::TestAgent ibex(b.ibex_rpc_port());
  EXPECT_EQ(ibex.report("ibex-01").message, "");
}

TEST_F(PgClusterTest, PostgreSQLRestartedDuringARunLosesNothingAndServersRecover) {
  const char* control = std::getenv("MEND_TEST_PG_CONTROL");
  if (control == nullptr || *control == '\0')
    GTEST_SKIP() << "MEND_TEST_PG_CONTROL is not set; run under scripts/with-postgres.sh";
  auto pg = [&](const std::string& what) {
    RunResult r = run_command({control, what}, dir_->path(), "pg-" + what);
    ASSERT_TRUE(r.status.success()) << "pg-control " << what << ": " << r.status << " " << r.err;
  };
  ServerProcess& s1 = add_server("s1");
  ServerProcess& s2 = add_server("s2");
  add_agent("h1", {&s1, &s2});
  add_agent("h2", {&s2, &s1});
  ASSERT_TRUE(api(s1).wait_agents({"h1"}));
  ASSERT_TRUE(api(s2).wait_agents({"h2"}));

  // Scripts that finish only once the database is down, so their results
  // arrive while it is.
  std::string gate = dir_->file("gate").string();
  std::string wait_gate = "i=0; while [ ! -f " + gate + " ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n";
  json form = task_form({"h1", "h2"}, logging_script(wait_gate));
  form["timeout"] = 120;
  int64_t id = api(s1).create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(api(s1).wait_host_status(id, "h1", "running"));
  ASSERT_TRUE(api(s1).wait_host_status(id, "h2", "running"));

  ASSERT_NO_FATAL_FAILURE(pg("stop"));
  // Every API call that needs the database answers 503 with a message.
  for (auto* s : {&s1, &s2}) {
    HttpResponse r;
    ASSERT_TRUE(wait_until([&] {
      r = api(*s).get_task(id);
      return r.status == 503;
    })) << r;
    EXPECT_TRUE(r.is_json()) << r;
    EXPECT_NE(r.err().find("PostgreSQL"), std::string::npos) << r;
    HttpResponse created = api(*s).create_task_raw(task_form({"h1"}, sh_script("true\n")));
    EXPECT_EQ(created.status, 503) << created;
    EXPECT_NE(created.err().find("PostgreSQL"), std::string::npos) << created;
  }
  write_file(gate, "");
  // The scripts finish and their results reach the servers, which cannot
  // record them: the agents keep them and send them again.
  ASSERT_TRUE(wait_until([&] { return runs_on("h1").size() == 1 && runs_on("h2").size() == 1; }));
  ASSERT_NO_FATAL_FAILURE(pg("start"));
  const auto back_at = Clock::now();

  for (auto* s : {&s1, &s2}) {
    ASSERT_TRUE(api(*s).wait_task_done(id, std::chrono::seconds(60))) << s->url();
    EXPECT_EQ(api(*s).host_status(id, "h1"), "success");
    EXPECT_EQ(api(*s).host_status(id, "h2"), "success");
  }
  auto recovery_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - back_at).count();
  std::cout << "[mend-it] recovery: the results that arrived during the outage were committed and the task seen done "
            << "on both servers " << recovery_ms << " ms after PostgreSQL was back" << std::endl;
  RecordProperty("recovery_ms", std::to_string(recovery_ms));
  EXPECT_EQ(runs_on("h1")[id], 1);
  EXPECT_EQ(runs_on("h2")[id], 1);
  // Both servers take new work again, for agents on either server.
  for (auto* s : {&s1, &s2}) {
    int64_t next = api(*s).create_task(task_form({"h1", "h2"}, logging_script()));
    ASSERT_GT(next, 0);
    ASSERT_TRUE(api(*s).wait_task_done(next, std::chrono::seconds(60)));
    EXPECT_EQ(runs_on("h1")[next], 1);
    EXPECT_EQ(runs_on("h2")[next], 1);
  }
}

TEST_F(PgClusterTest, AnAlertSentToTwoServersAtOnceStartsOneRemediation) {
  // An HA pair of Alertmanagers sends every alert to both servers.
  write_file(dir_->file("rules.yaml"),
             "templates:\n"
             "  note:\n"
             "    title: Note\n"
             "    account: " + current_account() + "\n"
             "    script: \"echo noted\"\n"
             "rules:\n"
             "  - name: disk-full\n"
             "    matchers: ['alertname=\"DiskFull\"']\n"
             "    template: note\n"
             "    cooldown: 5m\n"
             // No agents here: the decisions, not the runs, are under test.
             "    require_known_host: false\n");
  std::vector<std::string> rules = {"--rules", dir_->file("rules.yaml").string()};
  ServerProcess& a = add_server("a", rules);
  ServerProcess& b = add_server("b", rules);
  constexpr int kAlerts = 8;
  for (int i = 0; i < kAlerts; ++i) {
    json alert = {{"status", "firing"},
                  {"labels", {{"alertname", "DiskFull"}, {"instance", "web-" + std::to_string(i) + ":9100"}}},
                  {"annotations", json::object()},
                  {"startsAt", "2024-05-01T10:00:00Z"},
                  {"endsAt", "0001-01-01T00:00:00Z"}};
    json payload = {{"status", "firing"}, {"alerts", json::array({alert})}};
    HttpResponse ra, rb;
    std::thread ta([&] { ra = a.client().post_json("/api/v1/alerts/alertmanager", payload); });
    std::thread tb([&] { rb = b.client().post_json("/api/v1/alerts/alertmanager", payload); });
    ta.join();
    tb.join();
    EXPECT_EQ(ra.status, 200) << ra;
    EXPECT_EQ(rb.status, 200) << rb;
  }
  EXPECT_EQ(sql("SELECT COUNT(*) FROM heal_records WHERE decision = 'ran'"), std::to_string(kAlerts));
  EXPECT_EQ(sql("SELECT COUNT(DISTINCT host) FROM heal_records WHERE decision = 'ran'"), std::to_string(kAlerts));
  EXPECT_EQ(sql("SELECT COUNT(*) FROM heal_records WHERE decision <> 'ran'"), std::to_string(kAlerts));
  EXPECT_EQ(sql("SELECT COUNT(*) FROM tasks"), std::to_string(kAlerts));
}

}  // namespace
}  // namespace mend::it

namespace mend::it {
namespace {

// Every server lists the whole fleet: `mendctl agents` asked on a shows the
// agent connected to b, with its labels and the server holding it; asked
// with ?here=true, a lists only its own. When b stops, its agent leaves a's
// list too (it reconnects to a, and is listed there as a's).
TEST_F(PgClusterTest, MendctlAgentsOnOneServerListsAnAgentOfAnotherWithItsLabels) {
  ServerProcess& a = add_server("a");
  ServerProcess& b = add_server("b");
  add_agent("on-a", {&a});
  AgentOptions labelled;
  labelled.extra_args = {"--label", "env=prod", "--label", "team=db"};
  agents_.push_back(std::make_unique<AgentProcess>(*dir_, "on-b", std::vector<std::string>{b.url()}, labelled));
  agents_.back()->start();
  ASSERT_TRUE(api(a).wait_agents({"on-a"}));
  ASSERT_TRUE(api(b).wait_agents({"on-b"}));

  auto mendctl = [&](const ServerProcess& s, std::vector<std::string> args) {
    std::vector<std::string> argv = {MENDCTL_BIN, "--server", s.url()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, dir_->path(), "mendctl");
  };
  json listed;
  ASSERT_TRUE(wait_until([&] {
    RunResult r = mendctl(a, {"-o", "json", "agents"});
    if (r.status.code != 0) return false;
    listed = json::parse(r.out, nullptr, false);
    return listed.is_array() && listed.size() == 2;
  })) << listed;
  for (const auto& entry : listed) {
    if (entry.value("ident", "") == "on-b") {
      EXPECT_EQ(entry.value("server", ""), "b") << entry;
      EXPECT_EQ(entry["labels"], json({{"env", "prod"}, {"team", "db"}})) << entry;
      EXPECT_EQ(entry.value("version", ""), MEND_VERSION) << entry;
    } else {
      EXPECT_EQ(entry.value("ident", ""), "on-a") << entry;
      EXPECT_EQ(entry.value("server", ""), "a") << entry;
    }
  }
  RunResult table = mendctl(a, {"agents"});
  ASSERT_EQ(table.status.code, 0) << table.err;
  EXPECT_NE(table.out.find("SERVER"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("env=prod,team=db"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("2 agents connected"), std::string::npos) << table.out;
  EXPECT_EQ(api(a).agent_idents(), (std::vector<std::string>{"on-a"})) << "?here=true: a's own";

  // b stops in order: its agent leaves every list at once, and comes back on a
  // only if it may (it was given b alone, so it stays away).
  (void)b.stop();
  ASSERT_TRUE(wait_until([&] {
    RunResult r = mendctl(a, {"-o", "json", "agents"});
    json j = json::parse(r.out, nullptr, false);
    return j.is_array() && j.size() == 1;
  }));
}

}  // namespace
}  // namespace mend::it
