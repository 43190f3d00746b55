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
