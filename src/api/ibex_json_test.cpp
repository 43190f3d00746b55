#include "api/ibex_json.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

HostRun run(std::string host, HostStatus status, std::string out = "", std::string err = "") {
  HostRun r;
  r.task_id = 9;
  r.host = std::move(host);
  r.status = status;
  r.stdout_text = std::move(out);
  r.stderr_text = std::move(err);
  return r;
}

TEST(IbexJson, CreatedIsRfc3339Utc) {
  EXPECT_EQ(rfc3339_utc(1'795'762'800'000), "2026-11-27T07:00:00Z");
  EXPECT_EQ(rfc3339_utc(0), "1970-01-01T00:00:00Z");
}

TEST(IbexJson, TaskMetaHasIbexFields) {
  Task t;
  t.id = 9;
  t.spec.title = "fix FH: h1";
  t.spec.timeout_s = 30;
  t.created_ms = 1'795'762'800'123;
  t.done = true;
  auto j = task_meta_json(t);
  for (const char* k : {"id", "title", "account", "batch", "tolerance", "timeout", "pause", "script", "args",
                        "stdin", "creator", "created", "done"})
    EXPECT_TRUE(j.contains(k)) << k;
  // Ibex's 13 fields plus Mend's created_ms; rerun_of only on a rerun.
  EXPECT_EQ(j.size(), 14u);
  EXPECT_EQ(j["created_ms"], 1'795'762'800'123);
  EXPECT_FALSE(j.contains("rerun_of"));
  t.spec.env.emplace_back("MEND_RERUN_OF", "4");
  EXPECT_EQ(task_meta_json(t)["rerun_of"], 4);
  EXPECT_EQ(j["created"], "2026-11-27T07:00:00Z");
  EXPECT_EQ(j["done"], true);
  EXPECT_EQ(task_state_text(t), "done");
  EXPECT_EQ(task_action_text(t), "");
  t.done = false;
  t.action = TaskAction::pause;
  EXPECT_EQ(task_state_text(t), "pause");
  EXPECT_EQ(task_action_text(t), "pause");
}

TEST(IbexJson, OutputsAndGroups) {
  std::vector<HostRun> hosts = {run("h1", HostStatus::success, "ok\n", "e1"), run("h2", HostStatus::failed, "bad"),
                                run("h3", HostStatus::success)};
  EXPECT_EQ(outputs_text(hosts, true), "h1:\nok\n\n\nh2:\nbad\n\nh3:\n");
  EXPECT_EQ(outputs_text(hosts, false), "h1:\ne1\n\nh2:\n\n\nh3:\n");
  auto g = hosts_by_status_json(hosts);
  EXPECT_EQ(g.dump(), R"({"failed":["h2"],"success":["h1","h3"]})");
  auto o = host_outputs_json(hosts, true);
  EXPECT_EQ(o[0].dump(), R"({"host":"h1","id":9,"status":"success","stderr":"","stdout":"ok\n"})");
  auto e = host_outputs_json(hosts, false);
  EXPECT_EQ(e[0].dump(), R"({"host":"h1","id":9,"status":"success","stderr":"e1","stdout":""})");
  // GET task/:id's host entries carry both keys too, empty.
  EXPECT_EQ(host_brief_json(hosts[1]).dump(), R"({"host":"h2","id":9,"status":"failed","stderr":"","stdout":""})");
}

}  // namespace
}  // namespace mend
