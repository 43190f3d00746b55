#include "agent/args.hpp"

#include <gtest/gtest.h>

namespace mend::agent {

using V = std::vector<std::string>;

TEST(IbexArgs, EmptyStringMeansNoArguments) { EXPECT_EQ(split_ibex_args(""), V{}); }

TEST(IbexArgs, SplitsOnDoubleCommaOnly) {
  EXPECT_EQ(split_ibex_args("a,,b c,,d,e"), (V{"a", "b c", "d,e"}));
}

TEST(IbexArgs, KeepsEmptyPiecesLikeIbex) {
  EXPECT_EQ(split_ibex_args("a,,b c,,"), (V{"a", "b c", ""}));
  EXPECT_EQ(split_ibex_args(",,x"), (V{"", "x"}));
}

TEST(IbexArgs, ShellCharactersAreNotInterpreted) {
  EXPECT_EQ(split_ibex_args("$(rm -rf /),,'q' \"d\",,;ls"), (V{"$(rm -rf /)", "'q' \"d\"", ";ls"}));
}

}  // namespace mend::agent
