#include "common/failpoint.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

struct Disarm {
  ~Disarm() { arm_failpoints(""); }
};

TEST(Failpoint, AnErrorArmedPointFailsTheCallAndTheProcessLivesOn) {
  Disarm d;
  arm_failpoints("store.write=error");
  auto r = failpoint_error("store.write");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::unavailable);
  EXPECT_NE(r.error().message.find("store.write"), std::string::npos);
  failpoint("store.write");  // an exit point of the same name is not armed
  EXPECT_TRUE(failpoint_error("other.point"));
}

TEST(Failpoint, AnErrorFromTheNthHitOn) {
  Disarm d;
  arm_failpoints("spool.write=error@3");
  EXPECT_TRUE(failpoint_error("spool.write"));
  EXPECT_TRUE(failpoint_error("spool.write"));
  EXPECT_FALSE(failpoint_error("spool.write"));
  EXPECT_FALSE(failpoint_error("spool.write"));
}

TEST(Failpoint, DisarmedPointsCostNothingAndFailNothing) {
  arm_failpoints("");
  EXPECT_TRUE(failpoint_error("store.write"));
  failpoint("store.write");
}

TEST(FailpointDeathTest, AnExitArmedPointExitsLikeACrash) {
  EXPECT_EXIT(
      {
        arm_failpoints("agent.crash");
        failpoint("agent.crash");
      },
      ::testing::ExitedWithCode(86), "failpoint agent.crash hit");
}

}  // namespace
}  // namespace mend
