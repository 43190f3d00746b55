#include "api/ibex_answers.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

TEST(IbexAnswers, IdsParseAsGoParseIntDoes) {
  EXPECT_EQ(*parse_ibex_id("42"), 42);
  EXPECT_EQ(*parse_ibex_id("+42"), 42);
  EXPECT_EQ(*parse_ibex_id("0"), 0);
  EXPECT_EQ(*parse_ibex_id("-1"), -1);
  for (const char* bad : {"", "abc", "4x", " 4", "+", "+-1", "1.0", "99999999999999999999"}) {
    auto id = parse_ibex_id(bad);
    ASSERT_FALSE(id.ok()) << bad;
    EXPECT_EQ(id.error().message, std::string("cannot convert ") + bad + " to int64");
    EXPECT_EQ(id.error().code, ErrorCode::invalid_input);
  }
}

TEST(IbexAnswers, IdListsSkipWhatIsNotAnId) {
  EXPECT_EQ(parse_ibex_ids("3,1,,x, 2,3,-1"), (std::vector<int64_t>{3, 1, 3, -1}));
  EXPECT_TRUE(parse_ibex_ids("").empty());
  EXPECT_TRUE(parse_ibex_ids(",,").empty());
}

TEST(IbexAnswers, Texts) {
  EXPECT_EQ(ibex_bad_query_int("x", false), "cannot convert [x] to int");
  EXPECT_EQ(ibex_bad_query_int("7d", true), "cannot convert [7d] to int64");
  EXPECT_EQ(ibex_host_not_exists(5, "web-1"), "task: 5, host(web-1) not eixsts");
}

}  // namespace
}  // namespace mend
