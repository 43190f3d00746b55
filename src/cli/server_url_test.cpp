#include "cli/server_url.hpp"

#include <gtest/gtest.h>

namespace mend::cli {
namespace {

TEST(ParseServerUrl, HttpWithPortAndBasePath) {
  auto url = parse_server_url("http://mend.example:8080/prefix/");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->host, "mend.example");
  EXPECT_EQ(url->port, "8080");
  EXPECT_EQ(url->base_path, "/prefix");
  EXPECT_EQ(url->text, "http://mend.example:8080/prefix/");
}

TEST(ParseServerUrl, DefaultPorts) {
  EXPECT_EQ(parse_server_url("http://h")->port, "80");
  EXPECT_EQ(parse_server_url("h")->port, "10090");
  EXPECT_EQ(parse_server_url("HTTP://h:1")->port, "1");
}

TEST(ParseServerUrl, Ipv6InBrackets) {
  auto url = parse_server_url("http://[::1]:10090");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(host_header(*url), "[::1]:10090");
}

TEST(ParseServerUrl, Https) {
  auto url = parse_server_url("https://mend.example");
  ASSERT_TRUE(url.ok());
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->port, "443");
  EXPECT_FALSE(parse_server_url("http://mend.example")->tls);
}

TEST(ParseServerUrl, RefusesMalformed) {
  for (const char* bad : {"ftp://h", "http://", "http://h:", "http://h:99999", "http://h:0",
                          "http://h:x", "http://u:p@h", "http://h/?q", "http://[::1"}) {
    auto url = parse_server_url(bad);
    EXPECT_FALSE(url.ok()) << bad;
  }
}

}  // namespace
}  // namespace mend::cli
