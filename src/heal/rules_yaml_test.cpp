#include "heal/rules_yaml.hpp"

#include <gtest/gtest.h>

#include "heal/duration.hpp"
#include "heal/test_fixtures.hpp"

namespace mend::heal {
namespace {

TEST(Duration, ParseAndFormat) {
  EXPECT_EQ(*parse_duration_ms("30s"), 30'000);
  EXPECT_EQ(*parse_duration_ms("5m"), 300'000);
  EXPECT_EQ(*parse_duration_ms("1h30m"), 5'400'000);
  EXPECT_EQ(*parse_duration_ms("250ms"), 250);
  EXPECT_EQ(*parse_duration_ms("0"), 0);
  EXPECT_EQ(parse_duration_ms("30").error().message,
            "bad duration \"30\": missing unit (ms, s, m, h, d) (write e.g. 30s, 5m, 1h)");
  EXPECT_FALSE(parse_duration_ms("5x").ok());
  EXPECT_FALSE(parse_duration_ms("m").ok());
  EXPECT_FALSE(parse_duration_ms("").ok());
  EXPECT_EQ(format_duration(90'000), "1m30s");
  EXPECT_EQ(format_duration(0), "0");
  EXPECT_EQ(*parse_duration_ms(format_duration(93'784'005)), 93'784'005);
}

TEST(RulesYaml, TheExampleFileLoads) {
  auto set = parse_rules_yaml(test_data::fixture("rules.yaml"), "rules.yaml");
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_EQ(set->templates.size(), 3u);
  ASSERT_EQ(set->rules.size(), 2u);
  const HealRule& r = set->rules[0];
  EXPECT_EQ(r.name, "disk-full");
  ASSERT_EQ(r.matchers.size(), 2u);
  EXPECT_EQ(r.matchers[1].text(), R"(severity=~"critical|page")");
  EXPECT_EQ(r.cooldown_ms, 300'000);
  EXPECT_EQ(r.max_tasks, 10);
  EXPECT_EQ(r.window_ms, 60'000);
  EXPECT_EQ(r.breaker_failures, 3);
  EXPECT_EQ(r.on_resolved, "say-ok");
  EXPECT_EQ(r.host_labels, (std::vector<std::string>{"ident", "instance", "host", "hostname"}));
  EXPECT_EQ(set->rules[1].host_labels, (std::vector<std::string>{"ident", "instance"}));
  EXPECT_EQ(set->find_template("clean-disk")->timeout_s, 60);
  EXPECT_EQ(set->find_template("restart-nginx")->timeout_s, 30);
  EXPECT_EQ(set->find_template("clean-disk")->script.rfind("#!/bin/sh\n", 0), 0u);
}

TEST(RulesYaml, EveryProblemIsListedWithItsLine) {
  const char* text = R"(templates:
  t1:
    title: T
    account: root
    script: echo
    colour: red
rules:
  - name: a
    template: t1
    cooldown: 30
  - name: b
    template: nope
    matchers: ['alertname~"x"']
  - name: c
    template: t1
    max_tasks: 3
)";
  auto r = parse_rules_yaml(text, "rules.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_input);
  const std::string& msg = r.error().message;
  EXPECT_NE(msg.find("rules.yaml:6: template \"t1\": unknown key \"colour\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("rules.yaml:10: rule \"a\": cooldown: bad duration \"30\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("rules.yaml:13: rule \"b\": matchers: 'alertname~\"x\"': column 10:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("rules.yaml:14: rule \"c\": max_tasks and window go together"), std::string::npos) << msg;
}

TEST(RulesYaml, UnknownTemplateReferenceIsRefusedWithLine) {
  const char* text = R"(templates:
  t1: {title: T, account: root, script: echo}
rules:
  - name: a
    template: t2
    on_resolved: t3
)";
  auto r = parse_rules_yaml(text, "f.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("f.yaml:5: rule \"a\": unknown template \"t2\" (known: t1)"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("f.yaml:6: rule \"a\": on_resolved names unknown template \"t3\""),
            std::string::npos);
  // Templates from the API satisfy references too.
  EXPECT_TRUE(parse_rules_yaml(text, "f.yaml", {"t2", "t3"}).ok());
}

TEST(RulesYaml, SyntaxErrorsAndWrongShapes) {
  auto r = parse_rules_yaml("rules:\n  - name: [unclosed\n", "x.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("x.yaml:", 0), 0u) << r.error().message;
  EXPECT_EQ(parse_rules_yaml("- 1\n", "x.yaml").error().message,
            "x.yaml:1: the rules file must be a mapping with keys templates and rules");
  EXPECT_EQ(parse_rules_yaml("rulez: []\n", "x.yaml").error().message,
            "x.yaml:1: unknown key \"rulez\" (known: templates, rules)");
  EXPECT_TRUE(parse_rules_yaml("", "x.yaml").ok());
  auto missing = parse_rules_yaml("templates:\n  t: {title: T}\n", "x.yaml");
  EXPECT_NE(missing.error().message.find("x.yaml:2: template \"t\": account is required"), std::string::npos)
      << missing.error().message;
}

TEST(RulesYaml, ApiBodiesRoundTrip) {
  auto t = parse_template_json(
      R"({"name":"t","title":"T","account":"root","script":"echo hi","args":"a,,b","timeout":"2m","batch":1})");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->timeout_s, 120);
  EXPECT_EQ(t->origin, Origin::api);
  auto t2 = parse_template_json(to_json(*t).dump());
  ASSERT_TRUE(t2.ok()) << t2.error().message;
  EXPECT_EQ(to_json(*t2), to_json(*t));

  auto r = parse_rule_json(R"({"name":"r","template":"t","matchers":["a=\"b\""],"cooldown":"90s",
                               "max_tasks":2,"window":"1m","dry_run":true,"require_known_host":false})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->dry_run);
  EXPECT_FALSE(r->require_known_host);
  EXPECT_TRUE(parse_rule_json(R"({"name":"r","template":"t"})")->require_known_host);  // the default
  auto r2 = parse_rule_json(to_json(*r).dump());
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  EXPECT_EQ(to_json(*r2), to_json(*r));
  EXPECT_EQ(to_json(*r, true)["origin"], "api");
}

TEST(RulesYaml, ApiBodyRefusals) {
  EXPECT_EQ(parse_template_json("[1]").error().message, "template body must be a JSON object");
  EXPECT_EQ(parse_template_json(R"({"title":"T","account":"root","script":"x"})").error().message,
            "template: name is required");
  EXPECT_EQ(parse_rule_json(R"({"name":"a b","template":"t"})").error().message,
            "rule name \"a b\" must be 1-128 characters of A-Z a-z 0-9 _ - .");
  EXPECT_EQ(parse_rule_json(R"({"name":"r","template":"t","dry_run":"maybe"})").error().message,
            "rule \"r\": dry_run must be true or false");
}

TEST(RulesYaml, CheckReferences) {
  HealRuleSet set;
  set.templates.push_back({.name = "t"});
  HealRule r;
  r.name = "r";
  r.template_name = "t";
  set.rules.push_back(r);
  EXPECT_TRUE(check_references(set).ok());
  set.rules.push_back(r);
  set.rules.back().template_name = "x";
  EXPECT_EQ(check_references(set).error().message,
            "rule \"r\" is defined twice (file)\nrule \"r\": unknown template \"x\" (known: t)");
}

}  // namespace
}  // namespace mend::heal
