#include "proto/agent_messages.hpp"

#include <gtest/gtest.h>

namespace mend::proto {

TEST(AgentMessages, AssignRoundTrips) {
  Assign a{42, 7, "web1", "#!/bin/sh\necho hi", "a,,b c", "root", "in", 12};
  auto decoded = decode(encode(a));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  auto* got = std::get_if<Assign>(&decoded.value());
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->dispatch_id, 42);
  EXPECT_EQ(got->args, "a,,b c");
  EXPECT_EQ(got->timeout_s, 12);
}

TEST(AgentMessages, ResultWithInvalidUtf8StillEncodes) {
  ResultMsg r;
  r.dispatch_id = 1;
  r.status = proto::RunOutcome::success;
  r.stdout_text = "bad\xff";
  auto decoded = decode(encode(r));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<ResultMsg>(decoded.value()).stdout_text, "bad\xEF\xBF\xBD");
}

TEST(AgentMessages, MalformedFramesAreErrors) {
  EXPECT_FALSE(decode("{").ok());
  EXPECT_FALSE(decode("[]").ok());
  EXPECT_FALSE(decode(R"({"type":"nope"})").ok());
  auto wrong = decode(R"({"type":"ack","dispatch_id":"x"})");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("dispatch_id"), std::string::npos);
}

}  // namespace mend::proto

namespace mend::proto {

TEST(AgentMessages, HelloCarriesLabels) {
  Hello h{"web1", "t", "1.0", kProtocolVersion, {{"env", "prod"}, {"team", "db"}}};
  auto decoded = decode(encode(h));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(std::get<Hello>(decoded.value()).labels, (Labels{{"env", "prod"}, {"team", "db"}}));
}

TEST(AgentMessages, HelloWithoutLabelsIsAnOldAgentsHello) {
  // What an agent from before labels sends, byte for byte.
  auto old = decode(R"({"type":"hello","ident":"web1","token":"","agent_version":"0.9","protocol":1})");
  ASSERT_TRUE(old.ok());
  EXPECT_TRUE(std::get<Hello>(old.value()).labels.empty());
  // And a hello without labels does not send the field, so it stays that frame.
  EXPECT_EQ(encode(Hello{"web1", "", "0.9"}).find("labels"), std::string::npos);
}

TEST(AgentMessages, HelloLabelsOfTheWrongShapeAreErrors) {
  EXPECT_FALSE(decode(R"({"type":"hello","ident":"w","labels":["env=prod"]})").ok());
  EXPECT_FALSE(decode(R"({"type":"hello","ident":"w","labels":{"env":1}})").ok());
}

TEST(AgentLabels, Rules) {
  EXPECT_TRUE(check_labels({{"env", "prod"}, {"k8s.io/zone-a_1", ""}}).ok());
  EXPECT_TRUE(check_label(std::string(63, 'k'), std::string(255, 'v')).ok());
  EXPECT_FALSE(check_label(std::string(64, 'k'), "v").ok());
  EXPECT_FALSE(check_label("", "v").ok());
  EXPECT_FALSE(check_label("a b", "v").ok());
  EXPECT_FALSE(check_label("a=b", "v").ok());
  EXPECT_FALSE(check_label("k", std::string(256, 'v')).ok());
  EXPECT_FALSE(check_label("k", "line\nbreak").ok());
  EXPECT_FALSE(check_label("k", "del\x7f").ok());
  EXPECT_TRUE(check_label("k", "h\xc3\xa9te with spaces").ok());
  Labels many;
  for (int i = 0; i < 32; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_TRUE(check_labels(many).ok());
  many["one-more"] = "v";
  auto r = check_labels(many);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("bad label", 0), 0u);
  auto k = check_label("bad\nkey", "v");
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().message.find('\n'), std::string::npos) << "the error stays one line";
}

TEST(AgentLabels, ParseAndFormat) {
  auto p = parse_label("env=prod=x");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->first, "env");
  EXPECT_EQ(p->second, "prod=x");
  EXPECT_TRUE(parse_label("empty=").ok());
  EXPECT_FALSE(parse_label("novalue").ok());
  EXPECT_FALSE(parse_label("=v").ok());
  EXPECT_EQ(format_labels({{"team", "db"}, {"env", "prod"}}), "env=prod,team=db");
}

}  // namespace mend::proto
