#include "common/exception_message.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace mend {

TEST(ExceptionMessage, GivesWhatOfAStdException) {
  EXPECT_EQ(exception_message(std::make_exception_ptr(std::runtime_error("disk full"))), "disk full");
}

TEST(ExceptionMessage, NamesAnythingElseThrown) {
  EXPECT_EQ(exception_message(std::make_exception_ptr(42)), "an exception that is not a std::exception");
}

}  // namespace mend
