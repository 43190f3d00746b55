#include "api/url.hpp"

#include <gtest/gtest.h>

#include "api/listen_address.hpp"

namespace mend {
namespace {

TEST(Url, SplitsTargetAndDecodesQuery) {
  std::string path;
  std::map<std::string, std::string> q;
  split_target("/ibex/v1/tasks?query=disk+full&limit=5&creator=a%40b&limit=9&flag", path, q);
  EXPECT_EQ(path, "/ibex/v1/tasks");
  EXPECT_EQ(q["query"], "disk full");
  EXPECT_EQ(q["limit"], "5");
  EXPECT_EQ(q["creator"], "a@b");
  EXPECT_EQ(q["flag"], "");
}

TEST(ListenAddress, Parses) {
  auto a = parse_listen_address("127.0.0.1:0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 0);
  auto b = parse_listen_address(":10090");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "0.0.0.0");
  EXPECT_EQ(b->port, 10090);
  auto c = parse_listen_address("[::1]:80");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "::1");
  EXPECT_FALSE(parse_listen_address("10090").ok());
  EXPECT_FALSE(parse_listen_address("host:70000").ok());
  EXPECT_FALSE(parse_listen_address("host:").ok());
  EXPECT_FALSE(parse_listen_address("::1:80").ok());
}

}  // namespace
}  // namespace mend
