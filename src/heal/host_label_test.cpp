#include "heal/host_label.hpp"

#include <gtest/gtest.h>

namespace mend::heal {
namespace {

TEST(HostLabel, StripPort) {
  EXPECT_EQ(strip_port("web-01:9100"), "web-01");
  EXPECT_EQ(strip_port("10.0.0.5:9100"), "10.0.0.5");
  EXPECT_EQ(strip_port("[fe80::1]:9100"), "fe80::1");
  EXPECT_EQ(strip_port("[::1]"), "::1");
  EXPECT_EQ(strip_port("fe80::1"), "fe80::1");
  EXPECT_EQ(strip_port("web-01"), "web-01");
  EXPECT_EQ(strip_port("web-01:http"), "web-01:http");
}

TEST(HostLabel, FirstPresentNonEmptyLabelWins) {
  auto p = pick_host({{"instance", "db1:9100"}, {"host", "other"}}, default_host_labels());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "db1");
  EXPECT_EQ(p->label, "instance");
  p = pick_host({{"ident", ""}, {"hostname", "h9"}}, default_host_labels());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "h9");
  // Only `instance` loses its port: another label is a host name as given.
  p = pick_host({{"target", "x:1"}}, {"target"});
  EXPECT_EQ(p->host, "x:1");
  EXPECT_FALSE(pick_host({{"job", "node"}}, default_host_labels()));
}

}  // namespace
}  // namespace mend::heal
