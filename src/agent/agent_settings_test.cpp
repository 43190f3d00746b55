#include "agent/agent_settings.hpp"

#include <gtest/gtest.h>

namespace mend::agent {
namespace {

AgentSettings with_labels(std::vector<std::string> labels) {
  AgentSettings s;
  s.servers = {"http://127.0.0.1:1"};
  s.labels = std::move(labels);
  return s;
}

TEST(AgentSettings, LabelsBecomeTheHellosLabels) {
  auto cfg = to_agent_config(with_labels({"env=prod", "team=db"}), "h", "");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->labels, (proto::Labels{{"env", "prod"}, {"team", "db"}}));
}

TEST(AgentSettings, BadLabelsStopTheAgentAtStart) {
  auto twice = to_agent_config(with_labels({"env=prod", "env=dev"}), "h", "");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().message, "label 'env' given twice");
  auto bad = to_agent_config(with_labels({"env"}), "h", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "bad label 'env': expected key=value");
  std::vector<std::string> many;
  for (int i = 0; i < 33; ++i) many.push_back("k" + std::to_string(i) + "=v");
  EXPECT_FALSE(to_agent_config(with_labels(many), "h", "").ok());
}

}  // namespace
}  // namespace mend::agent
