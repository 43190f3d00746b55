#include "dispatch/connection_limits.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace mend {
namespace {

asio::ip::address addr(const char* a) { return asio::ip::make_address(a); }

TEST(ConnectionLimitsTest, UnauthenticatedConnectionsAreCappedPerSource) {
  ConnectionLimits limits({100, 2});
  EdgeCounters c;
  ConnectionLimits::Ticket a, b, refused, other;
  EXPECT_EQ(limits.admit(addr("10.0.0.1"), a, c), ConnectionLimits::Refusal::none);
  EXPECT_EQ(limits.admit(addr("10.0.0.1"), b, c), ConnectionLimits::Refusal::none);
  EXPECT_EQ(limits.admit(addr("10.0.0.1"), refused, c), ConnectionLimits::Refusal::per_source);
  EXPECT_EQ(c.refused_per_source, 1u);
  // Another source has its own count; the same host over IPv4-mapped IPv6 does not.
  EXPECT_EQ(limits.admit(addr("10.0.0.2"), other, c), ConnectionLimits::Refusal::none);
  EXPECT_EQ(limits.admit(addr("::ffff:10.0.0.1"), refused, c), ConnectionLimits::Refusal::per_source);

  // An authenticated connection frees its source's place; a closed one too.
  a.authenticated();
  EXPECT_EQ(limits.unauthenticated_from(addr("10.0.0.1")), 1u);
  ConnectionLimits::Ticket c1;
  EXPECT_EQ(limits.admit(addr("10.0.0.1"), c1, c), ConnectionLimits::Refusal::none);
  { ConnectionLimits::Ticket gone = std::move(b); }
  EXPECT_EQ(limits.unauthenticated_from(addr("10.0.0.1")), 1u);
  EXPECT_EQ(limits.open(), 3u);  // a (authenticated), c1, other
}

TEST(ConnectionLimitsTest, TheTotalCapCountsAuthenticatedConnectionsToo) {
  ConnectionLimits limits({3, 10});
  EdgeCounters c;
  std::vector<ConnectionLimits::Ticket> held(3);
  for (auto& t : held) {
    ASSERT_EQ(limits.admit(addr("127.0.0.1"), t, c), ConnectionLimits::Refusal::none);
    t.authenticated();
  }
  ConnectionLimits::Ticket refused;
  EXPECT_EQ(limits.admit(addr("192.0.2.1"), refused, c), ConnectionLimits::Refusal::total);
  EXPECT_EQ(c.refused_total, 1u);
  held.pop_back();
  EXPECT_EQ(limits.admit(addr("192.0.2.1"), refused, c), ConnectionLimits::Refusal::none);
}

TEST(ConnectionLimitsTest, ATicketOutlivingItsLimitsIsSafe) {
  std::optional<ConnectionLimits> limits(ConnectionLimitOptions{});
  EdgeCounters c;
  ConnectionLimits::Ticket t;
  ASSERT_EQ(limits->admit(addr("127.0.0.1"), t, c), ConnectionLimits::Refusal::none);
  limits.reset();
  t.authenticated();
}

}  // namespace
}  // namespace mend
