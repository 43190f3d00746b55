#include "engine/server_id.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

TEST(DefaultServerId, IsHostAndPortSoARestartFindsItsTasks) {
  EXPECT_EQ(default_server_id("web-1", 10090, 42), "web-1:10090");
  EXPECT_EQ(default_server_id("web-1", 10090, 43), "web-1:10090");
}

TEST(DefaultServerId, AnyPortGetsTheNonceSoTwoServersOnOneMachineDiffer) {
  EXPECT_EQ(default_server_id("web-1", 0, 0xabc), "web-1:0-0000000000000abc");
  EXPECT_NE(default_server_id("web-1", 0, 1), default_server_id("web-1", 0, 2));
}

TEST(DefaultServerId, AnEmptyHostnameStillNamesSomething) {
  EXPECT_EQ(default_server_id("", 8080, 0), "localhost:8080");
}

}  // namespace
}  // namespace mend
