// Basic auth and bearer tokens on /ibex/v1 and /api/v1 when configured; /ping stays open.
#include <gtest/gtest.h>

#include <iostream>
#include <map>

#include "common/encoding.hpp"
#include "support/ibex_api.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace mend::it {
namespace {

class BasicAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.basic_auth = {"alice:s3cret", "bob:hunter2"};
    server_ = std::make_unique<ServerProcess>(dir_, options);
    server_->start();
  }
  void TearDown() override {
    if (HasFailure()) server_->print_logs(std::cerr);
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(BasicAuthTest, IbexRoutesNeedValidCredentials) {
  const HttpClient anonymous = server_->anonymous_client();
  const nlohmann::json form = task_form({"host-a"}, sh_script("true\n"));
  for (const HttpClient& c : {anonymous, anonymous.with_auth("alice:wrong"), anonymous.with_auth("mallory:s3cret"),
                              anonymous.with_auth("alice:"), anonymous.with_auth("alice")}) {
    HttpResponse list = c.get("/ibex/v1/tasks");
    EXPECT_EQ(list.status, 401) << list;
    HttpResponse create = c.post_json("/ibex/v1/tasks", form);
    EXPECT_EQ(create.status, 401) << create;
    HttpResponse task = c.get("/ibex/v1/task/1");
    EXPECT_EQ(task.status, 401) << task;
  }
  // Nothing was created by the refused requests.
  HttpResponse list = anonymous.with_auth("alice:s3cret").get("/ibex/v1/tasks");
  ASSERT_EQ(list.status, 200) << list;
  EXPECT_EQ(list.dat().value("total", -1), 0) << list;
}

TEST_F(BasicAuthTest, EveryConfiguredUserIsAccepted) {
  for (const char* up : {"alice:s3cret", "bob:hunter2"}) {
    IbexApi ibex(server_->anonymous_client().with_auth(up));
    HttpResponse list = ibex.http().get("/ibex/v1/tasks");
    EXPECT_EQ(list.status, 200) << up << ": " << list;
    EXPECT_EQ(list.err(), "") << list;
    int64_t id = ibex.create_task(task_form({"host-a"}, sh_script("true\n")));
    EXPECT_GT(id, 0) << up;
  }
}

TEST_F(BasicAuthTest, PingIsOpen) {
  HttpResponse ping = server_->anonymous_client().get("/ping");
  EXPECT_EQ(ping.status, 200) << ping;
  EXPECT_EQ(ping.body.substr(0, 4), "pong") << ping;
}

// Bearer tokens (--api-token, or api_tokens in the config) admit requests
// alongside basic-auth users: Alertmanager's and Grafana's webhooks send them.
class BearerTokenTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && server_) server_->print_logs(std::cerr);
  }
  void start(std::vector<std::string> extra_args) {
    ServerOptions options;
    options.basic_auth = {"alice:s3cret"};
    options.extra_args = std::move(extra_args);
    server_ = std::make_unique<ServerProcess>(dir_, options);
    server_->start();
  }
  HttpResponse post_alert(const std::string& authorization) const {
    std::map<std::string, std::string> headers;
    if (!authorization.empty()) headers["Authorization"] = authorization;
    return server_->anonymous_client().request(
        "POST", "/api/v1/alerts", R"({"labels":{"alertname":"X","host":"h1"},"status":"firing"})", headers);
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(BearerTokenTest, TokensFromFlagsAndConfigAdmitAndOthersGetAClear401) {
  write_file(dir_.file("mend.toml"), "api_tokens = [\"from-config\"]\n");
  start({"--api-token", "tok-1", "--api-token", "tok-2", "--config", dir_.file("mend.toml").string()});
  // Flags replace the config's list, as for every other key.
  for (const char* t : {"tok-1", "tok-2"}) {
    HttpResponse ok = post_alert(std::string("Bearer ") + t);
    EXPECT_EQ(ok.status, 200) << t << ": " << ok;
  }
  HttpResponse basic = post_alert("Basic " + base64_encode("alice:s3cret"));
  EXPECT_EQ(basic.status, 200) << basic;

  HttpResponse none = post_alert("");
  EXPECT_EQ(none.status, 401) << none;
  EXPECT_EQ(none.err(), "unauthorized: this endpoint needs credentials (a session, Basic or Bearer)") << none;
  for (const char* bad : {"Bearer from-config", "Bearer tok-3", "Bearer alice:s3cret"}) {
    HttpResponse r = post_alert(bad);
    EXPECT_EQ(r.status, 401) << bad << ": " << r;
    EXPECT_EQ(r.err(), "unauthorized: the bearer token is not accepted") << r;
  }
  // Only the three admitted alerts were stored.
  HttpResponse records = server_->client().get("/api/v1/heal/records");
  ASSERT_EQ(records.status, 200) << records;
  EXPECT_EQ(records.dat().value("list", nlohmann::json::array()).size(), 3u) << records;
}

TEST_F(BearerTokenTest, MendctlSendsItsToken) {
  start({"--api-token", "tok-1"});
  RunResult ok = run_command({MENDCTL_BIN, "--server", server_->url(), "--token", "tok-1", "agents"}, dir_.path(),
                             "mendctl");
  EXPECT_EQ(ok.status.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("0 agents connected"), std::string::npos) << ok.out;
  RunResult bad = run_command({MENDCTL_BIN, "--server", server_->url(), "--token", "tok-9", "agents"}, dir_.path(),
                              "mendctl");
  EXPECT_EQ(bad.status.code, 2) << bad.out;
  EXPECT_NE(bad.err.find("the bearer token is not accepted"), std::string::npos) << bad.err;
}

TEST_F(BearerTokenTest, ConfigTokensWorkWithoutFlags) {
  write_file(dir_.file("mend.toml"), "api_tokens = [\"from-config\"]\n");
  start({"--config", dir_.file("mend.toml").string()});
  EXPECT_EQ(post_alert("Bearer from-config").status, 200);
  EXPECT_EQ(post_alert("Bearer nope").status, 401);
}

TEST(ApiTokenFlag, ABadTokenStopsTheStart) {
  TempDir dir;
  RunResult r = run_command({MEND_SERVER_BIN, "--http", "127.0.0.1:0", "--db", "sqlite:" + dir.file("m.db").string(),
                             "--api-token", "two words"},
                            dir.path(), "server");
  EXPECT_EQ(r.status.code, 2) << r.err;
  EXPECT_NE(r.err.find("must not contain spaces"), std::string::npos) << r.err;
}

TEST(ApiTokenFlag, ConfigListsOfTheWrongTypeAreRefused) {
  TempDir dir;
  for (const char* bad : {"api_tokens = \"one\"\n", "api_tokens = [1]\n", "basic_auth = \"u:p\"\n"}) {
    write_file(dir.file("mend.toml"), bad);
    RunResult r = run_command({MEND_SERVER_BIN, "--http", "127.0.0.1:0", "--db", "sqlite:" + dir.file("m.db").string(),
                               "--config", dir.file("mend.toml").string()},
                              dir.path(), "server");
    EXPECT_EQ(r.status.code, 2) << bad << r.err;
    EXPECT_NE(r.err.find("must be a list of"), std::string::npos) << bad << r.err;
  }
}

}  // namespace
}  // namespace mend::it
