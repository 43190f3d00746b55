// Every (status, event) pair of store/host_states.hpp against a table written
// out here by hand: a change to the state machine shows up as a change to
// this table. Results are tested for every (status, reported status) pair.
#include "store/host_states.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace mend {
namespace {

const std::vector<HostStatus> kAll = {HostStatus::waiting, HostStatus::running,    HostStatus::success,
                                      HostStatus::failed,  HostStatus::timeout,    HostStatus::killing,
                                      HostStatus::killed,  HostStatus::killfailed, HostStatus::cancelled,
                                      HostStatus::ignored, HostStatus::lost};

// What each event (but result) does from each status: the status it leads
// to, or "-" where it does not apply (a conflict).
//                       waiting  running  success  failed   timeout  killing  killed   killfailed cancelled ignored  lost
const std::map<HostEvent, std::vector<std::string>> kExpected = {
    {HostEvent::dispatch, {"running", "-", "running", "running", "running", "-", "running", "running", "running", "running", "running"}},
    {HostEvent::kill, {"-", "killing", "-", "-", "killing", "-", "-", "-", "-", "-", "-"}},
    {HostEvent::deadline, {"-", "timeout", "-", "-", "-", "-", "-", "-", "-", "-", "-"}},
    {HostEvent::kill_unanswered, {"-", "-", "-", "-", "-", "killfailed", "-", "-", "-", "-", "-"}},
    {HostEvent::cancel, {"cancelled", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"}},
    {HostEvent::ignore, {"ignored", "ignored", "ignored", "ignored", "ignored", "ignored", "ignored", "ignored", "ignored", "ignored", "ignored"}},
    {HostEvent::lost, {"-", "lost", "-", "-", "-", "lost", "-", "-", "-", "-", "-"}},
};

std::string outcome(HostStatus from, HostEvent event, std::optional<HostStatus> reported = std::nullopt) {
  auto next = next_host_status(from, event, reported);
  if (next.ok()) return std::string(to_string(*next));
  EXPECT_EQ(next.error().code, event == HostEvent::result ? ErrorCode::invalid_input : ErrorCode::conflict);
  return "-";
}

TEST(HostStatesTest, EveryEventFromEveryStatus) {
  for (const auto& [event, row] : kExpected) {
    ASSERT_EQ(row.size(), kAll.size());
    for (size_t i = 0; i < kAll.size(); ++i)
      EXPECT_EQ(outcome(kAll[i], event), row[i]) << to_string(event) << " from " << to_string(kAll[i]);
  }
}

TEST(HostStatesTest, AResultReplacesTheStatusOnlyWhereOneIsAwaited) {
  const std::vector<HostStatus> reportable = {HostStatus::success, HostStatus::failed, HostStatus::timeout,
                                              HostStatus::killed,  HostStatus::killfailed, HostStatus::lost};
  const std::vector<HostStatus> awaiting = {HostStatus::running, HostStatus::killing, HostStatus::timeout,
                                            HostStatus::killfailed, HostStatus::lost};
  for (HostStatus from : kAll) {
    bool awaits = std::find(awaiting.begin(), awaiting.end(), from) != awaiting.end();
    for (HostStatus reported : kAll) {
      bool may_report = std::find(reportable.begin(), reportable.end(), reported) != reportable.end();
      std::string expected = !may_report ? "-" : awaits ? std::string(to_string(reported)) : std::string(to_string(from));
      EXPECT_EQ(outcome(from, HostEvent::result, reported), expected)
          << to_string(reported) << " reported for a host that is " << to_string(from);
    }
  }
  auto missing = next_host_status(HostStatus::running, HostEvent::result);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::invalid_input);
}

TEST(HostStatesTest, WhatEachStatusMeans) {
  //                          unfinished busy failure accepts keeps_open reportable
  const std::map<HostStatus, std::vector<bool>> table = {
      {HostStatus::waiting, {true, false, false, false, false, false}},
      {HostStatus::running, {true, true, false, true, true, false}},
      {HostStatus::success, {false, false, false, false, false, true}},
      {HostStatus::failed, {false, false, true, false, false, true}},
      {HostStatus::timeout, {false, false, true, true, true, true}},
      {HostStatus::killing, {true, true, false, true, true, false}},
      {HostStatus::killed, {false, false, false, false, false, true}},
      {HostStatus::killfailed, {false, false, true, true, true, true}},
      {HostStatus::cancelled, {false, false, false, false, false, false}},
      {HostStatus::ignored, {false, false, false, false, true, false}},
      {HostStatus::lost, {false, false, false, true, true, true}},
  };
  ASSERT_EQ(table.size(), kAll.size());
  for (const auto& [s, row] : table) {
    std::vector<bool> got = {is_unfinished(s), is_busy(s), counts_as_failure(s), accepts_result(s),
                             keeps_dispatch_open(s), agent_may_report(s)};
    EXPECT_EQ(got, row) << to_string(s);
  }
}

TEST(HostStatesTest, NamesRoundTripAndSqlListsComeFromTheTable) {
  for (HostStatus s : kAll) EXPECT_EQ(parse_host_status(to_string(s)), s);
  EXPECT_EQ(parse_host_status("Running"), std::nullopt);
  EXPECT_EQ(parse_host_status(""), std::nullopt);
  EXPECT_EQ(sql_status_list(is_busy), "('running', 'killing')");
  EXPECT_EQ(sql_status_list(is_unfinished), "('waiting', 'running', 'killing')");
  EXPECT_EQ(sql_status_list(keeps_dispatch_open), "('running', 'timeout', 'killing', 'killfailed', 'ignored', 'lost')");
}

TEST(HostStatesTest, RefusalsSayWhy) {
  auto redo = next_host_status(HostStatus::killing, HostEvent::dispatch);
  ASSERT_FALSE(redo.ok());
  EXPECT_EQ(redo.error().message, "host is killing; kill it before a redo");
  auto kill = next_host_status(HostStatus::success, HostEvent::kill);
  ASSERT_FALSE(kill.ok());
  EXPECT_EQ(kill.error().message, "host is success; only a running or timed-out host can be killed");
}

}  // namespace
}  // namespace mend
