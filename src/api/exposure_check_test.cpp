#include "api/exposure_check.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

ListenAddress at(const std::string& host) { return ListenAddress{host, 10090}; }

TEST(ExposureCheck, LoopbackNamesAreLoopback) {
  for (const char* h : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) EXPECT_TRUE(is_loopback_host(h)) << h;
  for (const char* h : {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "example.com", ""})
    EXPECT_FALSE(is_loopback_host(h)) << h;
}

TEST(ExposureCheck, AnOpenServerOnAllInterfacesIsRefusedAndToldWhy) {
  auto r = check_exposure(at("0.0.0.0"), AccessControl{}, false);
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("no API authentication"), std::string::npos) << m;
  EXPECT_NE(m.find("no agent authentication"), std::string::npos) << m;
  EXPECT_NE(m.find("--insecure"), std::string::npos) << m;
  EXPECT_NE(m.find("127.0.0.1"), std::string::npos) << m;
}

TEST(ExposureCheck, OneMissingKindIsEnoughToRefuse) {
  auto api_only = check_exposure(at("0.0.0.0"), AccessControl{.api_users = true}, false);
  ASSERT_FALSE(api_only.ok());
  EXPECT_EQ(api_only.error().message.find("no API authentication"), std::string::npos);
  EXPECT_NE(api_only.error().message.find("no agent authentication"), std::string::npos);
  EXPECT_FALSE(check_exposure(at("10.1.1.1"), AccessControl{.agent_token = true}, false).ok());
}

TEST(ExposureCheck, LoopbackInsecureOrFullyProtectedStart) {
  EXPECT_TRUE(check_exposure(at("127.0.0.1"), AccessControl{}, false).ok());
  EXPECT_TRUE(check_exposure(at("0.0.0.0"), AccessControl{}, true).ok());
  EXPECT_TRUE(check_exposure(at("0.0.0.0"), AccessControl{.api_users = true, .agent_token = true}, false).ok());
}

TEST(ExposureCheck, TheWarningNamesWhatIsOpen) {
  EXPECT_EQ(exposure_warning(at("0.0.0.0"), AccessControl{.api_users = true, .agent_token = true}), "");
  std::string w = exposure_warning(at("127.0.0.1"), AccessControl{.api_users = true});
  EXPECT_NE(w.find("no agent authentication"), std::string::npos) << w;
  EXPECT_NE(w.find("loopback only"), std::string::npos) << w;
}

}  // namespace
}  // namespace mend
