#include "api/envelope.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

TEST(Envelope, ErrorCodesMapToStatuses) {
  EXPECT_EQ(http_status(ErrorCode::invalid_input), 400);
  EXPECT_EQ(http_status(ErrorCode::not_found), 404);
  EXPECT_EQ(http_status(ErrorCode::conflict), 200);  // Ibex answers refusals with 200 + err
  EXPECT_EQ(http_status(ErrorCode::unauthorized), 401);
  EXPECT_EQ(http_status(ErrorCode::too_large), 413);
  EXPECT_EQ(http_status(ErrorCode::unavailable), 503);
  EXPECT_EQ(http_status(ErrorCode::internal), 500);
}

TEST(Envelope, Shapes) {
  EXPECT_EQ(json_ok(42).body, R"({"dat":42,"err":""})");
  EXPECT_EQ(json_done().body, R"({"err":""})");
  auto e = json_error(make_error(ErrorCode::not_found, "no such task"));
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.body, R"({"err":"no such task"})");
  auto c = json_error(make_error(ErrorCode::conflict, "task already finished, no more action can do"));
  EXPECT_EQ(c.status, 200);
  EXPECT_EQ(text_response(404, "no such task").content_type, "text/plain; charset=utf-8");
}

TEST(Envelope, InvalidUtf8DoesNotThrow) {
  auto r = json_ok(std::string("a\xff") + "b");
  EXPECT_EQ(r.body, "{\"dat\":\"a\xEF\xBF\xBD" "b\",\"err\":\"\"}");
}

}  // namespace
}  // namespace mend
