#include "proto/run_outcome.hpp"

#include <gtest/gtest.h>

#include <string>

#include "proto/agent_messages.hpp"

namespace mend::proto {
namespace {

TEST(RunOutcomeTest, EveryOutcomeReadsBackFromItsName) {
  for (RunOutcome o : kAllRunOutcomes) EXPECT_EQ(parse_run_outcome(to_string(o)), o) << to_string(o);
}

TEST(RunOutcomeTest, StatusesAnAgentMayNotReportAreNotOutcomes) {
  for (std::string_view s : {"", "running", "waiting", "killing", "cancelled", "ignored", "unknown", "Success"})
    EXPECT_FALSE(parse_run_outcome(s)) << s;
}

TEST(RunOutcomeTest, AResultTravelsWithItsOutcome) {
  ResultMsg r;
  r.dispatch_id = 7;
  r.status = RunOutcome::killfailed;
  auto decoded = decode(encode(r));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(std::get<ResultMsg>(decoded.value()).status, RunOutcome::killfailed);
  EXPECT_NE(encode(r).find("\"status\":\"killfailed\""), std::string::npos);
}

TEST(RunOutcomeTest, AResultWithAStatusNoAgentMaySendIsRefusedAtDecoding) {
  auto decoded = decode(R"({"type":"result","dispatch_id":7,"status":"running"})");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::invalid_input);
  EXPECT_NE(decoded.error().message.find("status 'running'"), std::string::npos) << decoded.error().message;
}

TEST(RunOutcomeTest, AResultWithoutAStatusIsRefused) {
  auto decoded = decode(R"({"type":"result","dispatch_id":7})");
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().message.find("status"), std::string::npos) << decoded.error().message;
}

}  // namespace
}  // namespace mend::proto
