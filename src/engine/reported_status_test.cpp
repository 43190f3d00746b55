#include "engine/reported_status.hpp"

#include <gtest/gtest.h>

#include <set>

namespace mend {
namespace {

// The wire's outcomes and the host states' "an agent may report it" column
// are the same set, spelled the same: a status added to one and not the
// other fails here.
TEST(ReportedStatusTest, EveryOutcomeIsAStatusAnAgentMayReportUnderTheSameName) {
  std::set<HostStatus> reached;
  for (proto::RunOutcome o : proto::kAllRunOutcomes) {
    HostStatus s = reported_status(o);
    EXPECT_TRUE(agent_may_report(s)) << to_string(o);
    EXPECT_EQ(to_string(s), proto::to_string(o));
    reached.insert(s);
  }
  for (auto name : {"waiting", "running", "success", "failed", "timeout", "killing", "killed", "killfailed",
                    "cancelled", "ignored", "lost"}) {
    auto s = parse_host_status(name);
    ASSERT_TRUE(s) << name;
    EXPECT_EQ(agent_may_report(*s), reached.count(*s) == 1) << name;
  }
}

}  // namespace
}  // namespace mend
