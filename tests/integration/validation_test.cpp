// The task form rules of ibex-compat.md and how the API refuses bad input.
// One server for the whole suite, no agents: nothing here needs a task to run.
#include <gtest/gtest.h>

#include <cctype>
#include <iostream>
#include <memory>

#include "support/ibex_api.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace mend::it {
namespace {

using nlohmann::json;

class ValidationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new ServerProcess(*dir_);
    server_->start();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
    server_ = nullptr;
    dir_ = nullptr;
  }
  void TearDown() override {
    if (HasFailure() && server_) server_->print_logs(std::cerr);
  }

  IbexApi api() const { return IbexApi(server_->client()); }
  json valid_form() const { return task_form({"host-a", "host-b"}, sh_script("echo hi\n")); }

  // Expects the refusal Ibex gives, with an err naming `field`: HTTP 400 for
  // its JSON binding and host list, 200 for its field checks.
  void expect_refused(const json& form, const std::string& field, const std::string& why, int status = 200) {
    HttpResponse r = api().create_task_raw(form);
    EXPECT_EQ(r.status, status) << why << ": " << r;
    EXPECT_NE(r.err().find(field), std::string::npos) << why << ": err should name " << field << ": " << r;
    EXPECT_FALSE(r.dat().is_number()) << why << ": no task: " << r;
  }
  // Creates the task and returns its meta (with "hosts" and "action" beside it).
  json create_and_view(const json& form) {
    int64_t id = api().create_task(form);
    if (id == 0) return nullptr;
    return api().task(id);
  }

  static TempDir* dir_;
  static ServerProcess* server_;
};

TempDir* ValidationTest::dir_ = nullptr;
ServerProcess* ValidationTest::server_ = nullptr;

TEST_F(ValidationTest, ValidFormIsStoredAsSent) {
  json form = valid_form();
  form["title"] = "restart nginx";
  form["batch"] = 2;
  form["tolerance"] = 1;
  form["timeout"] = 45;
  form["pause"] = "host-b";
  form["args"] = "x,,y";
  form["stdin"] = "in";
  form["action"] = "pause";
  form["creator"] = "alice";
  json view = create_and_view(form);
  ASSERT_TRUE(view.is_object());
  const json& meta = view["meta"];
  EXPECT_EQ(meta.value("title", ""), "restart nginx FH: host-a") << meta;
  EXPECT_EQ(meta.value("account", ""), current_account()) << meta;
  EXPECT_EQ(meta.value("batch", -1), 2) << meta;
  EXPECT_EQ(meta.value("tolerance", -1), 1) << meta;
  EXPECT_EQ(meta.value("timeout", -1), 45) << meta;
  EXPECT_EQ(meta.value("pause", ""), "host-b") << meta;
  EXPECT_EQ(meta.value("script", ""), "#!/bin/sh\necho hi\n") << meta;
  EXPECT_EQ(meta.value("args", ""), "x,,y") << meta;
  EXPECT_EQ(meta.value("stdin", ""), "in") << meta;
  EXPECT_EQ(meta.value("creator", ""), "alice") << meta;
  EXPECT_EQ(meta.value("done", true), false) << meta;
  EXPECT_TRUE(meta.contains("created")) << meta;
  EXPECT_GT(meta.value("id", 0), 0) << meta;
  EXPECT_EQ(view.value("action", ""), "pause") << view;
  EXPECT_EQ(view["hosts"].size(), 2u) << view;
  for (const auto& h : view["hosts"]) EXPECT_EQ(h.value("status", ""), "waiting") << view;

  // The task list finds it by title.
  HttpResponse list = api().http().get("/ibex/v1/tasks?query=restart%20nginx&limit=5&p=1");
  ASSERT_EQ(list.status, 200) << list;
  ASSERT_TRUE(list.dat().is_object()) << list;
  EXPECT_EQ(list.dat().value("total", 0), 1) << list;
  ASSERT_EQ(list.dat()["list"].size(), 1u) << list;
  EXPECT_EQ(list.dat()["list"][0].value("id", 0), meta.value("id", -1)) << list;
}

TEST_F(ValidationTest, EveryRequiredFieldIsRequired) {
  // Ibex's binding names the Go field: 'taskForm.Title'.
  for (const char* field : {"Title", "Account", "Script", "Action", "Creator", "Hosts"}) {
    std::string key = field;
    key[0] = static_cast<char>(std::tolower(key[0]));
    json form = valid_form();
    form.erase(key);
    expect_refused(form, std::string("'taskForm.") + field + "'", "without " + key, 400);
  }
}

TEST_F(ValidationTest, NegativeNumbersAreRefused) {
  for (const char* field : {"batch", "tolerance", "timeout"}) {
    json form = valid_form();
    form[field] = -1;
    expect_refused(form, field, std::string("negative ") + field);
  }
}

TEST_F(ValidationTest, TimeoutIsAtMostFiveDays) {
  json form = valid_form();
  form["timeout"] = 432001;
  expect_refused(form, "timeout", "timeout 432001");

  form["timeout"] = 432000;
  json view = create_and_view(form);
  ASSERT_TRUE(view.is_object());
  EXPECT_EQ(view["meta"].value("timeout", -1), 432000) << view;
}

TEST_F(ValidationTest, TimeoutZeroMeansThirtySeconds) {
  json form = valid_form();
  form["timeout"] = 0;
  json view = create_and_view(form);
  ASSERT_TRUE(view.is_object());
  EXPECT_EQ(view["meta"].value("timeout", -1), 30) << view;

  form.erase("timeout");
  view = create_and_view(form);
  ASSERT_TRUE(view.is_object());
  EXPECT_EQ(view["meta"].value("timeout", -1), 30) << "a missing timeout is 0, so 30: " << view;
}

TEST_F(ValidationTest, FullWidthCommasAndSpacesAreNormalised) {
  json form = valid_form();
  form["pause"] = " host-a \xEF\xBC\x8C host-b";  // U+FF0C between, spaces around
  form["args"] = "one \xEF\xBC\x8C\xEF\xBC\x8C two";
  json view = create_and_view(form);
  ASSERT_TRUE(view.is_object());
  EXPECT_EQ(view["meta"].value("pause", ""), "host-a,host-b") << view;
  EXPECT_EQ(view["meta"].value("args", ""), "one ,, two") << "args keep their spaces: " << view;
}

TEST_F(ValidationTest, HostsAreTrimmedAndCommentsAndEmptiesDropped) {
  json form = valid_form();
  form["hosts"] = json::array({"  host-a ", "", "   ", "#host-x", " #host-y", "host-b\t"});
  json view = create_and_view(form);
  ASSERT_TRUE(view.is_object());
  std::vector<std::string> hosts;
  for (const auto& h : view["hosts"]) hosts.push_back(h.value("host", ""));
  EXPECT_EQ(hosts, (std::vector<std::string>{"host-a", "host-b"})) << view;
  EXPECT_EQ(view["meta"].value("title", ""), "it FH: host-a") << view;
}

TEST_F(ValidationTest, EmptyHostListIsRefused) {
  json form = valid_form();
  form["hosts"] = json::array();
  expect_refused(form, "hosts", "no hosts", 400);
  form["hosts"] = json::array({"#host-a", " ", ""});
  expect_refused(form, "hosts", "only commented-out and empty hosts", 400);
}

TEST_F(ValidationTest, TitleGetsFirstHostSuffixReplacingAnOldOne) {
  json form = valid_form();
  form["title"] = "disk full FH: old-host";
  json view = create_and_view(form);
  ASSERT_TRUE(view.is_object());
  EXPECT_EQ(view["meta"].value("title", ""), "disk full FH: host-a") << view;
}

TEST_F(ValidationTest, CreateActionMustBeStartOrPause) {
  for (const char* action : {"go", "cancel", "kill"}) {
    json form = valid_form();
    form["action"] = action;
    expect_refused(form, "action", std::string("action '") + action + "'");
  }
  json form = valid_form();
  form["action"] = "";
  expect_refused(form, "Action", "empty action", 400);
}

TEST_F(ValidationTest, MalformedJsonIsRefused) {
  for (const char* body : {"{\"title\": ", "not json", "", "[1,2,3]", "\"a string\""}) {
    HttpResponse r = api().http().post("/ibex/v1/tasks", body);
    EXPECT_EQ(r.status, 400) << "body '" << body << "': " << r;
    EXPECT_NE(r.err(), "") << "body '" << body << "': " << r;
  }
}

TEST_F(ValidationTest, WrongJsonTypesAreRefused) {
  const std::vector<std::pair<std::string, json>> cases = {
      {"batch", "3"},           {"tolerance", json::array()}, {"timeout", 1.5},     {"timeout", "10"},
      {"title", 5},             {"script", json::object()},   {"hosts", "host-a"},  {"hosts", json::array({1, 2})},
      {"alert_triggered", "yes"}, {"args", 3},               {"stdin", false},     {"action", 1}};
  for (const auto& [field, value] : cases) {
    json form = valid_form();
    form[field] = value;
    HttpResponse r = api().create_task_raw(form);
    EXPECT_EQ(r.status, 400) << field << "=" << value.dump() << ": " << r;
    EXPECT_NE(r.err().find("taskForm." + field + " "), std::string::npos)
        << field << "=" << value.dump() << ": err should name the field as Go does: " << r;
  }
}

TEST_F(ValidationTest, OversizeBodyIsRefusedWith413) {
  json form = valid_form();
  form["script"] = sh_script("# " + std::string(24 * 1024 * 1024, 'x') + "\n");
  HttpResponse r = api().create_task_raw(form);
  EXPECT_EQ(r.status, 413) << r;
  // The server is still fine afterwards.
  EXPECT_EQ(api().http().get("/ping").status, 200);
}

TEST_F(ValidationTest, UnknownTaskAnswersAsIbex) {
  IbexApi ibex = api();
  const std::string t = "/ibex/v1/task/987654";
  for (const std::string& path : {t, t + "/stdout", t + "/stderr.json", t + "/host/host-a/stdout"}) {
    HttpResponse r = ibex.http().get(path);
    EXPECT_EQ(r.status, 404) << path << ": " << r;
    EXPECT_EQ(r.err(), "no such task meta") << path << ": " << r;
  }
  HttpResponse txt = ibex.http().get(t + "/stdout.txt");
  EXPECT_EQ(txt.status, 404) << txt;
  EXPECT_EQ(txt.body, "no such task") << txt;
  // Ibex finds no action row (so "done") and no hosts for an id it does not know.
  EXPECT_EQ(ibex.http().get(t + "/state").dat(), "done");
  EXPECT_EQ(ibex.http().get(t + "/result").dat(), json::object());
  HttpResponse a = ibex.task_action(987654, "start");
  EXPECT_EQ(a.status, 404) << a;
  EXPECT_EQ(a.err(), "no such task meta") << a;
  HttpResponse h = ibex.host_action(987654, "host-a", "redo");
  EXPECT_EQ(h.status, 404) << h;
  EXPECT_EQ(h.err(), "no such task meta") << h;
  HttpResponse bad = ibex.http().get("/ibex/v1/task/abc");
  EXPECT_EQ(bad.status, 400) << bad;
  EXPECT_EQ(bad.err(), "cannot convert abc to int64") << bad;
}

TEST_F(ValidationTest, HostNotInTask) {
  IbexApi ibex = api();
  int64_t id = ibex.create_task(valid_form());
  ASSERT_GT(id, 0);
  HttpResponse out = ibex.host_output(id, "host-z");
  EXPECT_EQ(out.status, 200) << out;
  EXPECT_TRUE(out.dat().is_null()) << "Ibex answers an empty success: " << out;
  HttpResponse act = ibex.host_action(id, "host-z", "kill");
  EXPECT_EQ(act.status, 200) << act;
  EXPECT_EQ(act.err(), "no such host") << act;
  EXPECT_EQ(ibex.host_statuses(id).size(), 2u);
}

TEST_F(ValidationTest, UnknownActionsAreRefusedOrIgnoredAsIbexDoes) {
  IbexApi ibex = api();
  json form = valid_form();
  form["action"] = "pause";
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  for (const char* action : {"explode", "", "START", "redo"}) {
    HttpResponse r = ibex.task_action(id, action);
    EXPECT_EQ(r.status, 200) << "task action '" << action << "': " << r;
    EXPECT_EQ(r.err(), "action invalid") << r;
  }
  // Ibex acts on ignore, kill and redo and answers other host actions with an empty success.
  for (const char* action : {"explode", "", "start"}) {
    HttpResponse r = ibex.host_action(id, "host-a", action);
    EXPECT_EQ(r.status, 200) << "host action '" << action << "': " << r;
    EXPECT_EQ(r.err(), "") << r;
  }
  HttpResponse bad = ibex.http().put(IbexApi::task_path(id) + "/action", "{nope");
  EXPECT_EQ(bad.status, 400) << bad;
  EXPECT_EQ(ibex.action(id), "pause") << "refused actions change nothing";
  EXPECT_EQ(ibex.host_status(id, "host-a"), "waiting");
}

TEST_F(ValidationTest, PingAndVersionAnswer) {
  HttpResponse ping = api().http().get("/ping");
  EXPECT_EQ(ping.status, 200) << ping;
  EXPECT_EQ(ping.body.substr(0, 4), "pong") << ping;
}

}  // namespace
}  // namespace mend::it
