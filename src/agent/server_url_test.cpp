#include "agent/server_url.hpp"

#include <gtest/gtest.h>

#include "agent/backoff.hpp"

namespace mend::agent {

TEST(ServerUrl, ParsesHttpAndWs) {
  auto a = parse_server_url("http://127.0.0.1:10090");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, "10090");
  auto b = parse_server_url("ws://mend.example/");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->port, "80");
  auto c = parse_server_url("http://[::1]:9/");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, "9");
}

TEST(ServerUrl, ParsesHttpsAndWss) {
  auto a = parse_server_url("https://mend.example");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->tls);
  EXPECT_EQ(a->port, "443");
  auto b = parse_server_url("wss://127.0.0.1:10090/");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->tls);
  EXPECT_EQ(b->port, "10090");
  EXPECT_FALSE(parse_server_url("http://x:1")->tls);
}

TEST(ServerUrl, RejectsOthers) {
  EXPECT_FALSE(parse_server_url("ftp://x:1"));
  EXPECT_FALSE(parse_server_url("x:1"));
  EXPECT_FALSE(parse_server_url("http://x:port"));
  EXPECT_FALSE(parse_server_url("http://:1"));
}

TEST(Backoff, DoublesToCapWithJitterAndResets) {
  using std::chrono::milliseconds;
  Backoff b(milliseconds(200), milliseconds(10000), 0.2, 42);
  int64_t base = 200;
  for (int i = 0; i < 10; ++i) {
    auto d = b.next().count();
    EXPECT_GE(d, base * 8 / 10) << i;
    EXPECT_LE(d, base * 12 / 10) << i;
    base = std::min<int64_t>(base * 2, 10000);
  }
  b.reset();
  auto d = b.next().count();
  EXPECT_GE(d, 160);
  EXPECT_LE(d, 240);
}

}  // namespace mend::agent
