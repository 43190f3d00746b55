// /metrics as Prometheus scrapes it.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "support/cluster_fixture.hpp"

namespace mend::it {
namespace {

class MetricsTest : public ClusterTest {};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

TEST_F(MetricsTest, AgentsGaugeAndDispatchHistogram) {
  IbexApi ibex = api();
  int64_t id = ibex.create_task(task_form(kHosts, sh_script("true\n")));
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_task_done(id));

  HttpResponse r = ibex.http().get("/metrics");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.content_type.rfind("text/plain", 0), 0u) << r.content_type;
  std::vector<std::string> lines = lines_of(r.body);

  bool agents3 = false;
  for (const auto& l : lines)
    if (std::regex_match(l, std::regex(R"(mend_agents_connected(\{\})? 3(\.0*)?)"))) agents3 = true;
  EXPECT_TRUE(agents3) << "no 'mend_agents_connected 3' in:\n" << r.body;

  // A histogram family about dispatch, with every dispatch of the task counted.
  std::string family;
  std::smatch m;
  for (const auto& l : lines)
    if (std::regex_match(l, m, std::regex(R"(# TYPE (mend_\w*dispatch\w*) histogram)"))) family = m[1].str();
  ASSERT_NE(family, "") << "no mend_*dispatch* histogram in:\n" << r.body;

  std::vector<double> buckets;
  double inf = -1, count = -1;
  std::regex bucket_re(family + R"re(_bucket\{(.*,)?le="([^"]+)"\} ([0-9.eE+]+))re");
  std::regex count_re(family + R"(_count(\{\})? ([0-9.eE+]+))");
  for (const auto& l : lines) {
    if (std::regex_match(l, m, bucket_re)) {
      buckets.push_back(std::stod(m[3].str()));
      if (m[2].str() == "+Inf") inf = buckets.back();
    } else if (std::regex_match(l, m, count_re)) {
      count = std::stod(m[2].str());
    }
  }
  EXPECT_GE(inf, 3) << family << ": three dispatches ran\n" << r.body;
  EXPECT_EQ(count, inf) << family;
  for (size_t i = 1; i < buckets.size(); ++i) EXPECT_LE(buckets[i - 1], buckets[i]) << family << " buckets are cumulative";
}

TEST_F(MetricsTest, AgentsGaugeFollowsDisconnects) {
  agent("host-c").stop();
  ASSERT_TRUE(api().wait_agents({"host-a", "host-b"}));
  HttpResponse r = api().http().get("/metrics");
  ASSERT_EQ(r.status, 200) << r;
  bool agents2 = false;
  for (const auto& l : lines_of(r.body))
    if (std::regex_match(l, std::regex(R"(mend_agents_connected(\{\})? 2(\.0*)?)"))) agents2 = true;
  EXPECT_TRUE(agents2) << r.body;
}

}  // namespace
}  // namespace mend::it
