#include "dispatch/ibex_cidr.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

bool contains(const char* net, const char* addr) {
  auto c = IbexCidr::parse(net);
  EXPECT_TRUE(c.ok()) << c.error().message;
  return c.ok() && c->contains(asio::ip::make_address(addr));
}

TEST(IbexCidr, MatchesIpv4AndIpv6Networks) {
  EXPECT_TRUE(contains("10.0.0.0/8", "10.255.1.2"));
  EXPECT_FALSE(contains("10.0.0.0/8", "11.0.0.1"));
  EXPECT_TRUE(contains("192.168.4.0/22", "192.168.7.255"));
  EXPECT_FALSE(contains("192.168.4.0/22", "192.168.8.0"));
  EXPECT_TRUE(contains("127.0.0.1", "127.0.0.1"));
  EXPECT_FALSE(contains("127.0.0.1", "127.0.0.2"));
  EXPECT_TRUE(contains("0.0.0.0/0", "8.8.8.8"));
  EXPECT_TRUE(contains("fd00::/8", "fd12:3456::1"));
  EXPECT_FALSE(contains("fd00::/8", "fe80::1"));
  EXPECT_TRUE(contains("::1", "::1"));
  EXPECT_FALSE(contains("::/0", "10.0.0.1"));              // families do not mix...
  EXPECT_TRUE(contains("10.0.0.0/8", "::ffff:10.1.2.3"));  // ...except v4-mapped remotes
}

TEST(IbexCidr, RefusesMalformedNetworks) {
  for (const char* bad : {"", "10.0.0.0/", "10.0.0.0/33", "fd00::/129", "10.0.0.0/-1",
                          "10.0.0.0/8x", "web-01", "10.0.0/8"})
    EXPECT_FALSE(IbexCidr::parse(bad).ok()) << bad;
}

}  // namespace
}  // namespace mend
