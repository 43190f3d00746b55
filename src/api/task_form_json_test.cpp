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

TEST(TaskFormJson, NullFieldsStayDefault) {
  auto f = parse_task_form_json(R"({"title":"t","account":"a","script":"s","action":"start","creator":"c",
    "hosts":[],"batch":null,"pause":null})");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->batch, 0);
  EXPECT_EQ(f->pause, "");
  EXPECT_TRUE(f->hosts.empty()) << "an empty list passes Ibex's binding; the hosts check refuses it later";
  EXPECT_FALSE(f->alert_triggered);
}

TEST(TaskFormJson, KeysMatchAnyCaseAndTheLaterWins) {
  // Go's decoder matches "Title" and "TITLE" to the title field.
  auto f = parse_task_form_json(R"({"Title":"t","ACCOUNT":"a","Script":"s","Action":"start","Creator":"c",
    "Hosts":["h"],"Batch":3,"title":"second"})");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->title, "second");
  EXPECT_EQ(f->account, "a");
  EXPECT_EQ(f->batch, 3);
  EXPECT_EQ(f->hosts, (std::vector<std::string>{"h"}));
  EXPECT_EQ(*parse_action_body(R"({"Action":"kill"})"), "kill");
}

void expect_invalid(const char* body, const std::string& message) {
  auto f = parse_task_form_json(body);
  ASSERT_FALSE(f.ok()) << body;
  EXPECT_EQ(f.error().code, ErrorCode::invalid_input);
  EXPECT_EQ(f.error().message, message) << body;
}

TEST(TaskFormJson, WrongTypesAreGoDecoderErrors) {
  const std::string p = "json body invalid: json: cannot unmarshal ";
  expect_invalid(R"({"batch":"3"})", p + "string into Go struct field taskForm.batch of type int");
  expect_invalid(R"({"batch":1.5})", p + "number 1.5 into Go struct field taskForm.batch of type int");
  expect_invalid(R"({"Timeout":true})", p + "bool into Go struct field taskForm.timeout of type int");
  expect_invalid(R"({"title":5})", p + "number into Go struct field taskForm.title of type string");
  expect_invalid(R"({"hosts":"h1"})", p + "string into Go struct field taskForm.hosts of type []string");
  expect_invalid(R"({"hosts":["h1",2]})", p + "number into Go struct field taskForm.hosts of type string");
  expect_invalid(R"({"alert_triggered":"yes"})", p + "string into Go struct field taskForm.alert_triggered of type bool");
  expect_invalid(R"({"batch":18446744073709551615})",
                 p + "number 18446744073709551615 into Go struct field taskForm.batch of type int");
  // The first wrong field in the body is the one named.
  expect_invalid(R"({"title":1,"batch":"x"})", p + "number into Go struct field taskForm.title of type string");
}

TEST(TaskFormJson, RequiredFieldsAreTheValidatorsLines) {
  expect_invalid(R"({"title":"t","account":"a","script":"s","action":"start","creator":"c"})",
                 "json body invalid: Key: 'taskForm.Hosts' Error:Field validation for 'Hosts' failed on the "
                 "'required' tag");
  expect_invalid(R"({"title":"","account":"a","script":"s","action":"start","hosts":null})",
                 "json body invalid: Key: 'taskForm.Title' Error:Field validation for 'Title' failed on the "
                 "'required' tag\nKey: 'taskForm.Creator' Error:Field validation for 'Creator' failed on the "
                 "'required' tag\nKey: 'taskForm.Hosts' Error:Field validation for 'Hosts' failed on the "
                 "'required' tag");
  // Spaces are not empty: Ibex's binding lets a title of spaces through.
  auto f = parse_task_form_json(R"({"title":"  ","account":"a","script":"s","action":"start","creator":"c",
    "hosts":["h"]})");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->title, "  ");
}

TEST(TaskFormJson, MalformedJsonIsRefused) {
  expect_invalid(R"({"title":)", "json body invalid: malformed JSON");
  expect_invalid("", "json body invalid: EOF");
  expect_invalid("[1,2]", "json body invalid: json: cannot unmarshal array into Go value of type router.taskForm");
}

TEST(TaskFormJson, NegativeNumbersPassToValidation) {
  auto f = parse_task_form_json(R"({"title":"t","account":"a","script":"s","action":"start","creator":"c",
    "hosts":["h"],"batch":-1})");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->batch, -1);
}

TEST(ActionBody, ReadsAction) {
  EXPECT_EQ(*parse_action_body(R"({"action":"kill"})"), "kill");
  EXPECT_EQ(*parse_action_body(R"({})"), "");
  auto bad = parse_action_body(R"({"action":1})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "json body invalid: json: cannot unmarshal number into Go struct field actionForm.action of type string");
  EXPECT_FALSE(parse_action_body("nope").ok());
}

}  // namespace
}  // namespace mend
