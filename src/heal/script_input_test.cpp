#include "heal/script_input.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace mend::heal {
namespace {

AlertEvent event() {
  AlertEvent e;
  e.source = "alertmanager";
  e.labels = {{"alertname", "DiskFull"}, {"instance", "web:9100"}, {"evil", "'; rm -rf / #"}};
  e.name = "DiskFull";
  e.severity = "critical";
  e.trigger_value = "97";
  e.fingerprint = "fp1";
  return e;
}

TEST(ScriptInput, StdinHasNightingalesShape) {
  const std::string text = script_stdin_json(event());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n') << "one line a shell's read takes whole";
  EXPECT_EQ(text.find('\n'), text.size() - 1);
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["alertname"], "DiskFull");
  EXPECT_EQ(j["evil"], "'; rm -rf / #");
  EXPECT_EQ(j["alert_severity"], "critical");
  EXPECT_EQ(j["alert_trigger_value"], "97");
  EXPECT_EQ(j["is_recovered"], "false");  // a string, as Nightingale writes it
}

TEST(ScriptInput, EnvironmentCarriesTheAlert) {
  auto env = script_env(event(), {"disk-full", "web"});
  std::map<std::string, std::string> m(env.begin(), env.end());
  EXPECT_EQ(m["MEND_ALERT_NAME"], "DiskFull");
  EXPECT_EQ(m["MEND_ALERT_STATUS"], "firing");
  EXPECT_EQ(m["MEND_ALERT_FINGERPRINT"], "fp1");
  EXPECT_EQ(m["MEND_ALERT_SEVERITY"], "critical");
  EXPECT_EQ(m["MEND_ALERT_HOST"], "web");
  EXPECT_EQ(m["MEND_ALERT_RULE"], "disk-full");
  EXPECT_EQ(nlohmann::json::parse(m["MEND_ALERT_LABELS"])["evil"], "'; rm -rf / #");
  for (auto& [k, v] : env) EXPECT_EQ(k.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"), std::string::npos);
}

}  // namespace
}  // namespace mend::heal
