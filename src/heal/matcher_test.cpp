#include "heal/matcher.hpp"

#include <gtest/gtest.h>

namespace mend::heal {
namespace {

std::map<std::string, std::string> labels = {{"alertname", "DiskFull"}, {"severity", "critical"}};

bool m(const std::string& text, const std::map<std::string, std::string>& l = labels) {
  auto parsed = parse_matcher(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.error().message;
  return parsed.ok() && parsed->matches(l);
}

TEST(Matcher, FourOperators) {
  EXPECT_TRUE(m(R"(alertname="DiskFull")"));
  EXPECT_FALSE(m(R"(alertname="Disk")"));
  EXPECT_TRUE(m(R"(alertname!="Disk")"));
  EXPECT_TRUE(m(R"(severity=~"critical|page")"));
  EXPECT_FALSE(m(R"(severity!~"critical|page")"));
  EXPECT_TRUE(m(R"(severity!~"warning")"));
}

TEST(Matcher, RegexIsAnchoredLikeAlertmanager) {
  EXPECT_FALSE(m(R"(severity=~"crit")"));
  EXPECT_TRUE(m(R"(severity=~"crit.*")"));
  EXPECT_FALSE(m(R"(alertname=~"Disk|Full")"));  // anchors wrap the whole alternation
}

TEST(Matcher, AbsentLabelIsEmpty) {
  EXPECT_TRUE(m(R"(team="")"));
  EXPECT_TRUE(m(R"(team!="db")"));
  EXPECT_FALSE(m(R"(team=~".+")"));
}

TEST(Matcher, BareValuesSpacesAndEscapes) {
  EXPECT_TRUE(m("alertname = DiskFull"));
  EXPECT_TRUE(m(R"( alertname="DiskFull"  )"));
  auto q = parse_matcher(R"(msg="say \"hi\"\\")");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->value, "say \"hi\"\\");
  EXPECT_EQ(q->text(), R"(msg="say \"hi\"\\")");
}

TEST(Matcher, ParseErrorsSayWhere) {
  EXPECT_EQ(parse_matcher("").error().message, "column 1: expected a label name, found the end");
  EXPECT_EQ(parse_matcher("9a=\"b\"").error().message, "column 1: expected a label name, found '9'");
  EXPECT_EQ(parse_matcher("alertname~\"x\"").error().message,
            "column 10: expected one of =, !=, =~, !~ after 'alertname'");
  EXPECT_EQ(parse_matcher("a=\"unterminated").error().message, "column 3: unterminated quoted value");
  // A habit from PromQL or C: the error names the doubled '=', not the quote after it.
  EXPECT_EQ(parse_matcher("alertname==\"X\"").error().message,
            "column 10: '==' is not an operator here: equality is one '=' (alertname=\"value\")");
  EXPECT_EQ(parse_matcher("a=\"x\" b").error().message, "column 7: unexpected text after the quoted value");
  auto re = parse_matcher("a=~\"(\"");
  ASSERT_FALSE(re.ok());
  EXPECT_EQ(re.error().message.rfind("column 2: bad regular expression \"(\"", 0), 0u) << re.error().message;
}

TEST(Matcher, AllMustMatch) {
  std::vector<Matcher> ms = {*parse_matcher(R"(alertname="DiskFull")"), *parse_matcher(R"(severity="page")")};
  EXPECT_FALSE(matches_all(ms, labels));
  EXPECT_TRUE(matches_all({}, labels));
}

}  // namespace
}  // namespace mend::heal
