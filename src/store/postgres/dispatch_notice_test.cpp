#include "store/postgres/dispatch_notice.hpp"

#include <gtest/gtest.h>

namespace mend::pg {
namespace {

TEST(DispatchNotice, HostsRoundTripWithTheirOrigin) {
  auto n = decode_dispatch_notice(encode_dispatch_notice("abc", {"web-01", "db-02"}));
  EXPECT_EQ(n.origin, "abc");
  EXPECT_FALSE(n.all);
  EXPECT_EQ(n.hosts, (std::vector<std::string>{"db-02", "web-01"}));
}

TEST(DispatchNotice, TooManyHostsForOnePayloadMeanCheckEveryHost) {
  std::set<std::string> hosts;
  for (int i = 0; i < 2000; ++i) hosts.insert("host-" + std::to_string(i));
  std::string payload = encode_dispatch_notice("abc", hosts);
  EXPECT_LT(payload.size(), kMaxNoticeBytes);
  auto n = decode_dispatch_notice(payload);
  EXPECT_TRUE(n.all);
  EXPECT_EQ(n.origin, "abc");
}

TEST(DispatchNotice, AHostWithANewlineCannotBeListed) {
  auto n = decode_dispatch_notice(encode_dispatch_notice("o", {"a", "b\nc"}));
  EXPECT_TRUE(n.all);
  EXPECT_TRUE(n.hosts.empty());
}

TEST(DispatchNotice, AForeignPayloadMeansCheckEveryHost) {
  auto n = decode_dispatch_notice("hello");
  EXPECT_TRUE(n.all);
  EXPECT_EQ(n.origin, "");
  EXPECT_TRUE(decode_dispatch_notice("mend1 o").all);
  EXPECT_TRUE(decode_dispatch_notice("mend1 o\n").all);
}

}  // namespace
}  // namespace mend::pg
