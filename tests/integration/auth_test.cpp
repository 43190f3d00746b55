// Basic auth on /ibex/v1 when users are configured; /ping stays open.
#include <gtest/gtest.h>

#include <iostream>

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

}  // namespace
}  // namespace mend::it
