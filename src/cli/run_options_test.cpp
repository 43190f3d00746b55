#include "cli/run_options.hpp"

#include <gtest/gtest.h>

namespace mend::cli {
namespace {

RunOptions options_for(std::string hosts) {
  RunOptions o;
  o.hosts = std::move(hosts);
  o.script_path = "/srv/scripts/restart.sh";
  return o;
}

TEST(ParseHostList, TrimsDropsEmptiesAndDuplicates) {
  EXPECT_EQ(parse_host_list(" h1, h2,,h1 , h3,"), (std::vector<std::string>{"h1", "h2", "h3"}));
  EXPECT_TRUE(parse_host_list(" , ").empty());
}

TEST(DefaultTitle, UsesScriptBasename) {
  EXPECT_EQ(default_title("/srv/scripts/restart.sh"), "mendctl restart.sh");
  EXPECT_EQ(default_title("restart.sh"), "mendctl restart.sh");
  EXPECT_EQ(default_title("-"), "mendctl stdin");
}

TEST(BuildTaskForm, FillsEveryIbexField) {
  auto o = options_for("h1,h2");
  o.batch = 1;
  o.tolerance = 2;
  o.timeout_s = 60;
  o.args = "a,,b c";
  o.pause = "h2";
  auto form = build_task_form(o, "echo hi\n", "{\"k\":1}", "alice");
  ASSERT_TRUE(form.ok()) << form.error().message;
  const auto& f = *form;
  EXPECT_EQ(f["title"], "mendctl restart.sh");
  EXPECT_EQ(f["account"], "root");
  EXPECT_EQ(f["batch"], 1);
  EXPECT_EQ(f["tolerance"], 2);
  EXPECT_EQ(f["timeout"], 60);
  EXPECT_EQ(f["pause"], "h2");
  EXPECT_EQ(f["script"], "echo hi\n");
  EXPECT_EQ(f["args"], "a,,b c");
  EXPECT_EQ(f["stdin"], "{\"k\":1}");
  EXPECT_EQ(f["action"], "start");
  EXPECT_EQ(f["creator"], "alice");
  EXPECT_EQ(f["hosts"], nlohmann::json::array({"h1", "h2"}));
}

TEST(BuildTaskForm, ExplicitTitleWins) {
  auto o = options_for("h1");
  o.title = "nightly cleanup";
  EXPECT_EQ((*build_task_form(o, "true", "", "bob"))["title"], "nightly cleanup");
}

TEST(BuildTaskForm, RefusesWhatTheServerWouldRefuse) {
  EXPECT_FALSE(build_task_form(options_for(" , "), "true", "", "a").ok());
  EXPECT_FALSE(build_task_form(options_for("h1"), "  \n", "", "a").ok());
  auto o = options_for("h1");
  o.timeout_s = 432001;
  auto form = build_task_form(o, "true", "", "a");
  ASSERT_FALSE(form.ok());
  EXPECT_EQ(form.error().code, ErrorCode::invalid_input);
  EXPECT_NE(form.error().message.find("--timeout"), std::string::npos);
  o = options_for("h1");
  o.batch = -1;
  EXPECT_FALSE(build_task_form(o, "true", "", "a").ok());
  o = options_for("h1");
  o.account = " ";
  EXPECT_FALSE(build_task_form(o, "true", "", "a").ok());
}

}  // namespace
}  // namespace mend::cli
