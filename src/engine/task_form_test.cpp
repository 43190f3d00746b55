#include "engine/task_form.hpp"

#include <gtest/gtest.h>

namespace mend {

namespace {
TaskForm valid_form() {
  TaskForm f;
  f.title = "restart nginx";
  f.account = "root";
  f.script = "echo hi";
  f.creator = "alice";
  f.action = "start";
  f.hosts = {"h1", "h2"};
  return f;
}

std::string error_of(const TaskForm& f) {
  auto r = validate_task_form(f);
  return r.ok() ? std::string("<ok>") : r.error().message;
}
}  // namespace

TEST(TaskForm, RequiredFields) {
  for (auto field : {&TaskForm::title, &TaskForm::account, &TaskForm::script, &TaskForm::creator,
                     &TaskForm::action}) {
    auto f = valid_form();
    f.*field = "";
    EXPECT_NE(error_of(f), "<ok>");
  }
  auto f = valid_form();
  f.hosts = {" ", "#h3", ""};
  EXPECT_EQ(error_of(f), "arg(hosts) empty");
}

TEST(TaskForm, SpacesAreATitleScriptAndCreatorButNoAccount) {
  // Ibex refuses only empty strings: a title of spaces is a title.
  auto f = valid_form();
  f.title = "   ";
  f.script = " ";
  f.creator = " ";
  auto spec = validate_task_form(f);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->title, "    FH: h1");
  f.account = "  ";
  EXPECT_EQ(error_of(f), "arg(account) is required");
}

TEST(TaskForm, SeveralFaultsGetIbexsFirstMessage) {
  auto f = valid_form();
  f.title = "";
  f.timeout = -5;
  f.batch = -1;
  EXPECT_EQ(error_of(f), "arg(batch) should be nonnegative");
  f.batch = 0;
  EXPECT_EQ(error_of(f), "arg(timeout) should be nonnegative");
  f.timeout = 0;
  EXPECT_EQ(error_of(f), "arg(title) is required");
}

TEST(TaskForm, NumbersMustBeNonNegativeAndTimeoutBounded) {
  auto f = valid_form();
  f.batch = -1;
  EXPECT_EQ(error_of(f), "arg(batch) should be nonnegative");
  f = valid_form();
  f.tolerance = -1;
  EXPECT_EQ(error_of(f), "arg(tolerance) should be nonnegative");
  f = valid_form();
  f.timeout = -1;
  EXPECT_EQ(error_of(f), "arg(timeout) should be nonnegative");
  f = valid_form();
  f.timeout = 432001;
  EXPECT_EQ(error_of(f), "arg(timeout) longer than five days");
  f.timeout = 432000;
  EXPECT_EQ(error_of(f), "<ok>");
  f.timeout = 0;
  EXPECT_EQ(validate_task_form(f)->timeout_s, 30);
}

TEST(TaskForm, ActionMustBeStartOrPause) {
  auto f = valid_form();
  f.action = "kill";
  EXPECT_NE(error_of(f), "<ok>");
  f.action = "pause";
  EXPECT_EQ(validate_task_form(f)->action, TaskAction::pause);
}

TEST(TaskForm, NormalisesCommasSpacesHostsAndTitle) {
  auto f = valid_form();
  f.pause = "h1\xEF\xBC\x8C h2";
  f.args = "a\xEF\xBC\x8C\xEF\xBC\x8C" "b";
  f.hosts = {"  h1 ", "#commented", "", "h2", "h1"};
  f.title = "old FH: x";
  auto spec = validate_task_form(f);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->pause, "h1,h2");
  EXPECT_EQ(spec->args, "a,,b");
  EXPECT_EQ(spec->hosts, (std::vector<std::string>{"h1", "h2"}));
  EXPECT_EQ(spec->title, "old FH: h1");
}

}  // namespace mend
