#include "dispatch/ibex_assignment_book.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

proto::Assign assign(int64_t dispatch, int64_t task) {
  proto::Assign a;
  a.dispatch_id = dispatch;
  a.task_id = task;
  return a;
}

IbexAssignmentBook::Loader loads(std::vector<proto::Message> m, int* calls = nullptr) {
  return [m, calls]() -> Result<std::vector<proto::Message>> {
    if (calls) ++*calls;
    return m;
  };
}

TEST(IbexAssignmentBook, LoadsOnceAndForgetsWithTheLastConnection) {
  IbexAssignmentBook book;
  int calls = 0;
  ASSERT_TRUE(book.attach("h1", loads({assign(10, 1), proto::Kill{11, 2}}, &calls)).ok());
  ASSERT_TRUE(book.attach("h1", loads({}, &calls)).ok());
  EXPECT_EQ(calls, 1);
  auto w = book.wanted("h1");
  ASSERT_EQ(w.size(), 2u);
  EXPECT_FALSE(w[0].kill);
  EXPECT_TRUE(w[1].kill);
  book.detach("h1");
  EXPECT_TRUE(book.tracks("h1"));
  book.detach("h1");
  EXPECT_FALSE(book.tracks("h1"));
}

TEST(IbexAssignmentBook, LoadErrorTracksNothing) {
  IbexAssignmentBook book;
  auto r = book.attach("h1", [] {
    return Result<std::vector<proto::Message>>(make_error(ErrorCode::unavailable, "busy"));
  });
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(book.tracks("h1"));
}

TEST(IbexAssignmentBook, PushesKeepTrackedIdentsCurrentAndIgnoreOthers) {
  IbexAssignmentBook book;
  ASSERT_TRUE(book.attach("h1", loads({})).ok());
  book.push_assign("h1", assign(20, 5));
  book.push_assign("native", assign(21, 5));
  EXPECT_FALSE(book.tracks("native"));
  EXPECT_TRUE(book.mark_handed_out("h1", 5, 20));
  EXPECT_FALSE(book.mark_handed_out("h1", 5, 20));
  book.push_kill("h1", proto::Kill{20, 5});
  auto w = book.find("h1", 5);
  ASSERT_TRUE(w.has_value());
  EXPECT_TRUE(w->kill);
  EXPECT_TRUE(w->handed_out);
  book.push_assign("h1", assign(22, 5));  // a redo: new clock, not handed out
  w = book.find("h1", 5);
  EXPECT_EQ(w->dispatch_id, 22);
  EXPECT_FALSE(w->handed_out);
  book.settle("h1", 5, 20);  // the old clock's result does not drop the new one
  EXPECT_TRUE(book.find("h1", 5).has_value());
  book.settle("h1", 5, 22);
  EXPECT_FALSE(book.find("h1", 5).has_value());
}

}  // namespace
}  // namespace mend
