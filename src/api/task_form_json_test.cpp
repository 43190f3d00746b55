#include "api/task_form_json.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

TEST(TaskFormJson, ReadsEveryField) {
  auto f = parse_task_form_json(R"({"title":"t","account":"root","batch":2,"tolerance":1,"timeout":60,
    "pause":"a,b","script":"echo hi","args":"x,,y","stdin":"in","action":"start","creator":"ops",
    "hosts":["h1"," h2"],"alert_triggered":true,"unknown":{"ignored":1}})");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->title, "t");
  EXPECT_EQ(f->account, "root");
  EXPECT_EQ(f->batch, 2);
  EXPECT_EQ(f->tolerance, 1);
  EXPECT_EQ(f->timeout, 60);
  EXPECT_EQ(f->pause, "a,b");
  EXPECT_EQ(f->script, "echo hi");
  EXPECT_EQ(f->args, "x,,y");
  EXPECT_EQ(f->stdin_text, "in");
  EXPECT_EQ(f->action, "start");
  EXPECT_EQ(f->creator, "ops");
  EXPECT_EQ(f->hosts, (std::vector<std::string>{"h1", " h2"}));
  EXPECT_TRUE(f->alert_triggered);
}

TEST(TaskFormJson, MissingAndNullFieldsStayDefault) {
  auto f = parse_task_form_json(R"({"title":null,"batch":null})");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->title, "");
  EXPECT_EQ(f->batch, 0);
  EXPECT_TRUE(f->hosts.empty());
  EXPECT_FALSE(f->alert_triggered);
}

void expect_invalid(const char* body, const std::string& message) {
  auto f = parse_task_form_json(body);
  ASSERT_FALSE(f.ok()) << body;
  EXPECT_EQ(f.error().code, ErrorCode::invalid_input);
  EXPECT_EQ(f.error().message, message) << body;
}

TEST(TaskFormJson, WrongTypesNameTheField) {
  expect_invalid(R"({"batch":"3"})", "field 'batch' must be an integer");
  expect_invalid(R"({"batch":1.5})", "field 'batch' must be an integer");
  expect_invalid(R"({"timeout":true})", "field 'timeout' must be an integer");
  expect_invalid(R"({"title":5})", "field 'title' must be a string");
  expect_invalid(R"({"hosts":"h1"})", "field 'hosts' must be a list of strings");
  expect_invalid(R"({"hosts":["h1",2]})", "field 'hosts' must be a list of strings");
  expect_invalid(R"({"alert_triggered":"yes"})", "field 'alert_triggered' must be a boolean");
  expect_invalid(R"({"batch":18446744073709551615})", "field 'batch' is out of range");
}

TEST(TaskFormJson, MalformedJsonIsRefused) {
  expect_invalid(R"({"title":)", "malformed JSON body");
  expect_invalid("", "malformed JSON body");
  expect_invalid("[1,2]", "JSON body must be an object");
}

TEST(TaskFormJson, NegativeNumbersPassToValidation) {
  auto f = parse_task_form_json(R"({"batch":-1})");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->batch, -1);
}

TEST(ActionBody, ReadsAction) {
  EXPECT_EQ(*parse_action_body(R"({"action":"kill"})"), "kill");
  EXPECT_EQ(*parse_action_body(R"({})"), "");
  EXPECT_FALSE(parse_action_body(R"({"action":1})").ok());
  EXPECT_FALSE(parse_action_body("nope").ok());
}

}  // namespace
}  // namespace mend
