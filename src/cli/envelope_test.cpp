#include "cli/envelope.hpp"

#include <gtest/gtest.h>

namespace mend::cli {
namespace {

HttpResponse response(int status, std::string body) { return HttpResponse{status, "", body}; }

TEST(ParseEnvelope, ReturnsDatOnSuccess) {
  auto dat = parse_envelope(response(200, R"({"dat":{"id":7},"err":""})"));
  ASSERT_TRUE(dat.ok());
  EXPECT_EQ((*dat)["id"], 7);
}

TEST(ParseEnvelope, MissingDatIsNull) {
  auto dat = parse_envelope(response(200, R"({"err":""})"));
  ASSERT_TRUE(dat.ok());
  EXPECT_TRUE(dat->is_null());
}

TEST(ParseEnvelope, ErrWithStatus200IsAnError) {
  // Ibex answers refusals with 200 and a non-empty err.
  auto dat =
      parse_envelope(response(200, R"({"err":"task already finished, no more action can do"})"));
  ASSERT_FALSE(dat.ok());
  EXPECT_EQ(dat.error().code, ErrorCode::conflict);
  EXPECT_EQ(dat.error().message, "task already finished, no more action can do");
}

TEST(ParseEnvelope, StatusPicksTheCode) {
  EXPECT_EQ(parse_envelope(response(404, R"({"err":"no such task"})")).error().code,
            ErrorCode::not_found);
  EXPECT_EQ(parse_envelope(response(400, R"({"err":"bad"})")).error().code,
            ErrorCode::invalid_input);
  EXPECT_EQ(parse_envelope(response(503, R"({"err":"busy"})")).error().code,
            ErrorCode::unavailable);
  auto unauthorized = parse_envelope(response(401, R"({"err":"unauthorized"})"));
  EXPECT_EQ(unauthorized.error().code, ErrorCode::unauthorized);
  EXPECT_NE(unauthorized.error().message.find("--user"), std::string::npos);
}

TEST(ParseEnvelope, NonJsonBodyQuotesStatusAndBody) {
  auto dat = parse_envelope(response(404, "404 page not found"));
  ASSERT_FALSE(dat.ok());
  EXPECT_EQ(dat.error().code, ErrorCode::not_found);
  EXPECT_NE(dat.error().message.find("HTTP 404: 404 page not found"), std::string::npos);
  EXPECT_EQ(parse_envelope(response(200, "pong")).error().code, ErrorCode::internal);
}

TEST(ParseEnvelope, ErrorStatusWithoutErrIsStillAnError) {
  auto dat = parse_envelope(response(500, R"({"dat":null})"));
  ASSERT_FALSE(dat.ok());
  EXPECT_EQ(dat.error().code, ErrorCode::unavailable);
}

TEST(ParseEnvelope, LongBodyIsCut) {
  auto dat = parse_envelope(response(502, std::string(1000, 'x')));
  ASSERT_FALSE(dat.ok());
  EXPECT_LT(dat.error().message.size(), 300u);
}

}  // namespace
}  // namespace mend::cli
