#include "api/metrics_text.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(MetricsText, RendersGaugesCountersAndHistogram) {
  EngineMetrics m;
  m.tasks_created = 3;
  m.dispatches = 5;
  m.kills_sent = 1;
  m.results_applied = 4;
  m.results_duplicate = 2;
  m.results_stale = 1;
  m.host_timeouts = 6;
  m.dispatch_to_start.observe(0.0004);
  m.dispatch_to_start.observe(0.003);
  m.dispatch_to_start.observe(10);
  StoreCounts counts;
  counts.tasks_by_state = {{"running", 2}, {"done", 7}};
  counts.hosts_by_status = {{"success", 9}};
  std::string t = render_metrics(m, counts, 11);

  EXPECT_TRUE(has_line(t, "# HELP mend_tasks Tasks by state.")) << t;
  EXPECT_TRUE(has_line(t, "# TYPE mend_tasks gauge"));
  EXPECT_TRUE(has_line(t, "mend_tasks{state=\"running\"} 2"));
  EXPECT_TRUE(has_line(t, "mend_tasks{state=\"done\"} 7"));
  EXPECT_TRUE(has_line(t, "mend_hosts{status=\"success\"} 9"));
  EXPECT_TRUE(has_line(t, "mend_agents_connected 11"));
  EXPECT_TRUE(has_line(t, "# TYPE mend_tasks_created_total counter"));
  EXPECT_TRUE(has_line(t, "mend_tasks_created_total 3"));
  EXPECT_TRUE(has_line(t, "mend_dispatches_total 5"));
  EXPECT_TRUE(has_line(t, "mend_kills_total 1"));
  EXPECT_TRUE(has_line(t, "mend_results_total{outcome=\"applied\"} 4"));
  EXPECT_TRUE(has_line(t, "mend_results_total{outcome=\"duplicate\"} 2"));
  EXPECT_TRUE(has_line(t, "mend_results_total{outcome=\"stale\"} 1"));
  EXPECT_TRUE(has_line(t, "mend_host_timeouts_total 6"));
  EXPECT_TRUE(has_line(t, "# TYPE mend_dispatch_to_start_seconds histogram"));
  // Buckets are cumulative.
  EXPECT_TRUE(has_line(t, "mend_dispatch_to_start_seconds_bucket{le=\"0.0005\"} 1"));
  EXPECT_TRUE(has_line(t, "mend_dispatch_to_start_seconds_bucket{le=\"0.001\"} 1"));
  EXPECT_TRUE(has_line(t, "mend_dispatch_to_start_seconds_bucket{le=\"0.005\"} 2"));
  EXPECT_TRUE(has_line(t, "mend_dispatch_to_start_seconds_bucket{le=\"2.5\"} 2"));
  EXPECT_TRUE(has_line(t, "mend_dispatch_to_start_seconds_bucket{le=\"+Inf\"} 3"));
  EXPECT_TRUE(has_line(t, "mend_dispatch_to_start_seconds_count 3"));
  EXPECT_NE(t.find("mend_dispatch_to_start_seconds_sum 10.0034"), std::string::npos);
  EXPECT_EQ(t.back(), '\n');
}

TEST(MetricsText, EscapesLabelValues) {
  StoreCounts counts;
  counts.tasks_by_state = {{"a\"b\\c", 1}};
  std::string t = render_metrics(EngineMetrics{}, counts, 0);
  EXPECT_NE(t.find("mend_tasks{state=\"a\\\"b\\\\c\"} 1"), std::string::npos);
}

TEST(MetricsText, Numbers) {
  EXPECT_EQ(prometheus_number(0.0005), "0.0005");
  EXPECT_EQ(prometheus_number(1.0), "1");
  EXPECT_EQ(prometheus_number(2.5), "2.5");
}

}  // namespace
}  // namespace mend

namespace mend {
namespace {

TEST(MetricsText, RepairAndLeaseCounters) {
  EngineMetrics m;
  m.leases_taken = 2;
  m.repair_findings["task_without_action"] = 3;
  m.repairs_applied["task_without_action"] = 1;
  std::string t = render_metrics(m, StoreCounts{}, 0);
  EXPECT_NE(t.find("\nmend_leases_taken_total 2\n"), std::string::npos);
  EXPECT_NE(t.find("\nmend_repair_findings_total{kind=\"task_without_action\"} 3\n"), std::string::npos);
  EXPECT_NE(t.find("\nmend_repairs_applied_total{kind=\"task_without_action\"} 1\n"), std::string::npos);
}

}  // namespace
}  // namespace mend
