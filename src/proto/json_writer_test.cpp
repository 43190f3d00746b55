#include "proto/json_writer.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <nlohmann/json.hpp>

namespace mend::proto {
namespace {

std::string as_json_string(std::string_view s) {
  std::string out;
  JsonObjectWriter::append_quoted(out, s);
  return out;
}

// Well-formed text comes out byte for byte as nlohmann's dump writes it.
TEST(JsonWriterTest, WellFormedStringsAreWrittenAsNlohmannWritesThem) {
  static constexpr char kControls[] = "nul \0 and \x01 and \x1f and del \x7f";
  const std::vector<std::string> cases = {
      "",
      "plain",
      "quote \" and backslash \\",
      "newline\ncarriage\rtab\tbackspace\bformfeed\f",
      std::string(kControls, sizeof kControls - 1),
      "\xC3\xA9t\xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF",  // é, 中, 😀, U+10FFFF
  };
  for (const auto& s : cases) {
    EXPECT_EQ(as_json_string(s), nlohmann::json(s).dump()) << nlohmann::json(s).dump();
  }
}

// Each byte outside a well-formed UTF-8 sequence becomes U+FFFD, and what
// is around it stays: the output is always JSON a strict parser accepts.
TEST(JsonWriterTest, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  const std::string r = "\xEF\xBF\xBD";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a\x80z", "a" + r + "z"},                       // a lone continuation byte
      {"a\xE2\x82", "a" + r + r},                      // a sequence cut short at the end
      {"\xE2\x82z", r + r + "z"},                      // ... and before an ASCII byte
      {"\xC0\xAF", r + r},                             // an overlong '/'
      {"\xED\xA0\x80", r + r + r},                     // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", r + r + r + r},             // above U+10FFFF
      {"\xFF\xFE ok \xC3\xA9", r + r + " ok \xC3\xA9"},  // invalid, then valid
  };
  for (const auto& [in, want] : cases) {
    const std::string out = as_json_string(in);
    auto parsed = nlohmann::json::parse(out, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << out;
    EXPECT_EQ(parsed.get<std::string>(), want) << out;
  }
}

TEST(JsonWriterTest, AnObjectOfFieldsParsesBackToItsValues) {
  std::string out;
  JsonObjectWriter w(out);
  w.field("s", "x\"y").field("min", std::numeric_limits<int64_t>::min()).field("max", std::numeric_limits<int64_t>::max());
  w.field("small", -1).object("env", std::map<std::string, std::string>{{"A", "1"}, {"B_2", "two\n"}});
  w.object("none", std::map<std::string, std::string>{});
  w.close();
  auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << out;
  EXPECT_EQ(j["s"], "x\"y");
  EXPECT_EQ(j["min"].get<int64_t>(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(j["max"].get<int64_t>(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(j["small"].get<int64_t>(), -1);
  EXPECT_EQ(j["env"]["B_2"], "two\n");
  EXPECT_TRUE(j["none"].is_object());
  EXPECT_TRUE(j["none"].empty());
}

}  // namespace
}  // namespace mend::proto
