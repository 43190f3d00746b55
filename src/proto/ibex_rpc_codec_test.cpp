#include "proto/ibex_rpc_codec.hpp"

#include <gtest/gtest.h>

#include "proto/ibex_rpc_client_codec.hpp"
#include "proto/ibex_rpc_frame_splitter.hpp"

namespace mend::ibex_rpc {
namespace {

// Frames from ../shared/reference/ibex-rpc-vectors.md (Ibex's Go codec on the wire).
constexpr const char* kPingRequest = "940000ab5365727665722e50696e6791a0";
constexpr const char* kPingReply = "940100c0a4706f6e67";
constexpr const char* kReportRequest =
    "940001ad5365727665722e5265706f72749182a54964656e74a67765622d3031ab5265706f72745461736b73c0";
constexpr const char* kReportReply =
    "940101c082a74d657373616765a0ab41737369676e5461736b739183a2496407a5436c6f636b64a6416374696f6ea5"
    "7374617274";
constexpr const char* kTaskMetaRequest = "940002b25365727665722e4765745461736b4d6574619107";
constexpr const char* kTaskMetaReply =
    "940102c085a74d657373616765a0a6536372697074bf23212f62696e2f73680a6563686f2068656c6c6f2024312024"
    "323b20636174a441"
    "726773a66120622c2c63a74163636f756e74a4726f6f74a5537464696ea97b226b223a2276227d";
constexpr const char* kTaskMetaReplyRaw16 =
    "940102c085a74d657373616765a0a6536372697074da004a23212f62696e2f73680a23207878787878787878787878"
    "78787878787878"
    "787878787878787878787878787878787878787878780a6563686f2068656c6c6f2024312024323b20636174a44172"
    "6773a66120622c"
    "2c63a74163636f756e74a4726f6f74a5537464696ea97b226b223a2276227d";
constexpr const char* kReportWithResult =
    "940003ad5365727665722e5265706f72749182a54964656e74a67765622d3031ab5265706f72745461736b739185a2"
    "496407a5436c6f"
    "636b64a6537461747573a773756363657373a65374646f7574b568656c6c6f2061206220630a7b226b223a2276227d"
    "a6537464657272a0";
constexpr const char* kReportReplyEmpty = "940103c082a74d657373616765a0ab41737369676e5461736b73c0";

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

DecodedRequest decode_ok(const char* hex_frame) {
  auto r = decode_request(unhex(hex_frame));
  EXPECT_TRUE(r.ok()) << r.error().message;
  if (!r.ok()) return {};
  EXPECT_TRUE(r->call.ok()) << r->call.error().message;
  return std::move(r).value();
}

TEST(IbexRpcCodec, DecodesThePingVector) {
  auto d = decode_ok(kPingRequest);
  EXPECT_EQ(d.msgid, 0u);
  EXPECT_EQ(d.method, "Server.Ping");
  ASSERT_TRUE(std::holds_alternative<PingRequest>(*d.call));
  EXPECT_EQ(std::get<PingRequest>(*d.call).text, "");
}

TEST(IbexRpcCodec, DecodesTheReportVectorWithNilTasks) {
  auto d = decode_ok(kReportRequest);
  EXPECT_EQ(d.msgid, 1u);
  auto& r = std::get<ReportRequest>(*d.call);
  EXPECT_EQ(r.ident, "web-01");
  EXPECT_TRUE(r.tasks.empty());
}

TEST(IbexRpcCodec, DecodesTheTaskMetaVector) {
  auto d = decode_ok(kTaskMetaRequest);
  EXPECT_EQ(d.msgid, 2u);
  EXPECT_EQ(std::get<TaskMetaRequest>(*d.call).task_id, 7);
}

TEST(IbexRpcCodec, DecodesTheReportVectorWithAResult) {
  auto d = decode_ok(kReportWithResult);
  EXPECT_EQ(d.msgid, 3u);
  auto& r = std::get<ReportRequest>(*d.call);
  EXPECT_EQ(r.ident, "web-01");
  ASSERT_EQ(r.tasks.size(), 1u);
  EXPECT_EQ(r.tasks[0].id, 7);
  EXPECT_EQ(r.tasks[0].clock, 100);
  EXPECT_EQ(r.tasks[0].status, "success");
  EXPECT_EQ(r.tasks[0].stdout_text, "hello a b c\n{\"k\":\"v\"}");
  EXPECT_EQ(r.tasks[0].stderr_text, "");
}

TEST(IbexRpcCodec, EncodesEveryServerFrameByteForByte) {
  EXPECT_EQ(hex(encode_reply(0, PingReply{})), kPingReply);
  EXPECT_EQ(hex(encode_reply(1, ReportReply{"", {AssignTask{7, 100, "start"}}})), kReportReply);
  TaskMetaReply meta{"", "#!/bin/sh\necho hello $1 $2; cat", "a b,,c", "root", "{\"k\":\"v\"}"};
  EXPECT_EQ(hex(encode_reply(2, meta)), kTaskMetaReply);
  meta.script = "#!/bin/sh\n# " + std::string(40, 'x') + "\necho hello $1 $2; cat";
  ASSERT_EQ(meta.script.size(), 74u);
  EXPECT_EQ(hex(encode_reply(2, meta)), kTaskMetaReplyRaw16);
  EXPECT_EQ(hex(encode_reply(3, ReportReply{})), kReportReplyEmpty);
}

TEST(IbexRpcCodec, EncodesEveryClientFrameAsTheGoAgentDoes) {
  EXPECT_EQ(hex(encode_request(0, PingRequest{})), kPingRequest);
  EXPECT_EQ(hex(encode_request(1, ReportRequest{"web-01", {}})), kReportRequest);
  EXPECT_EQ(hex(encode_request(2, TaskMetaRequest{7})), kTaskMetaRequest);
  ReportTask t{7, 100, "success", "hello a b c\n{\"k\":\"v\"}", ""};
  EXPECT_EQ(hex(encode_request(3, ReportRequest{"web-01", {t}})), kReportWithResult);
}

TEST(IbexRpcCodec, LongStringsUseRaw32AndLargeIntsKeepGoSignedForms) {
  std::string big(70000, 'o');
  std::string frame = encode_reply(300, TaskMetaReply{"", big, "", "", ""});
  // msgid 300 is uint16 (0xcd); the 70000-byte script is raw32 (0xdb), never
  // str8/str16-by-another-name.
  EXPECT_EQ(hex(frame.substr(0, 5)), "9401cd012c");
  EXPECT_NE(hex(frame).find("db00011170"), std::string::npos);
  // Go's encoder writes int64 200 as int16 and 70000 as int32 (not uint8/uint32).
  std::string r = encode_reply(1, ReportReply{"", {AssignTask{200, 70000, "kill"}}});
  EXPECT_NE(hex(r).find("a249"
                        "64"
                        "d100c8"),
            std::string::npos);
  EXPECT_NE(hex(r).find("d200011170"), std::string::npos);
  auto back = decode_response(r, ReplyKind::report);
  ASSERT_TRUE(back.ok()) << back.error().message;
  auto& rr = std::get<ReportReply>(back->reply);
  ASSERT_EQ(rr.assign_tasks.size(), 1u);
  EXPECT_EQ(rr.assign_tasks[0].id, 200);
  EXPECT_EQ(rr.assign_tasks[0].clock, 70000);
  EXPECT_EQ(rr.assign_tasks[0].action, "kill");
}

TEST(IbexRpcCodec, ErrorReplyCarriesTheMessageAndNilResult) {
  std::string e = encode_error_reply(5, "boom");
  EXPECT_EQ(hex(e), "940105a4626f6f6dc0");
  auto back = decode_response(e, ReplyKind::report);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->error, "boom");
}

TEST(IbexRpcCodec, AcceptsEveryStringFormAndToleratesUnknownOrMissingFields) {
  // [0, 9, str8 "Server.Report", [{bin8 "Ident": str16 "h1", "Extra": [1,2], "ReportTasks": [{"Id":
  // uint8 200, "Clock": uint64 5}]}]]
  std::string f = unhex(
                      "9400"
                      "09"
                      "d90d") +
                  "Server.Report" +
                  unhex(
                      "91"
                      "83"
                      "c405") +
                  "Ident" + unhex("da0002") + "h1" + unhex("a5") + "Extra" + unhex("920102") +
                  unhex("ab") + "ReportTasks" + unhex("9182a2") + "Id" + unhex("ccc8a5") + "Clock" +
                  unhex("cf0000000000000005");
  auto d = decode_request(f);
  ASSERT_TRUE(d.ok()) << d.error().message;
  ASSERT_TRUE(d->call.ok()) << d->call.error().message;
  auto& r = std::get<ReportRequest>(*d->call);
  EXPECT_EQ(r.ident, "h1");
  ASSERT_EQ(r.tasks.size(), 1u);
  EXPECT_EQ(r.tasks[0].id, 200);
  EXPECT_EQ(r.tasks[0].clock, 5);
  EXPECT_EQ(r.tasks[0].status, "");
}

TEST(IbexRpcCodec, RefusesMalformedEnvelopes) {
  EXPECT_FALSE(decode_request("").ok());
  EXPECT_FALSE(decode_request(unhex("c0")).ok());        // not an array
  EXPECT_FALSE(decode_request(unhex("93000000")).ok());  // 3 elements
  EXPECT_FALSE(decode_request(unhex("9401"
                                    "00"
                                    "a0"
                                    "90"))
                   .ok());  // a response, not a request
  EXPECT_FALSE(decode_request(unhex("9400"
                                    "ff"
                                    "a0"
                                    "90"))
                   .ok());  // negative msgid
  EXPECT_FALSE(decode_request(unhex("9400"
                                    "00"
                                    "01"
                                    "90"))
                   .ok());  // method not a string
  EXPECT_FALSE(decode_request(unhex("9400"
                                    "00"
                                    "a0"
                                    "c0"))
                   .ok());                                               // params not an array
  EXPECT_FALSE(decode_request(unhex(kPingRequest).substr(0, 10)).ok());  // truncated
  EXPECT_FALSE(decode_request(unhex(kPingRequest) + "x").ok());          // trailing bytes
  EXPECT_FALSE(decode_request(unhex("9400"
                                    "00"
                                    "db"
                                    "ffffffff"))
                   .ok());  // huge string prefix, no bytes
}

TEST(IbexRpcCodec, UnknownMethodAndWrongArgumentTypesAreCallErrors) {
  auto unknown = decode_request(encode_request(4, PingRequest{}).replace(4, 11, "Server.Nope"));
  ASSERT_TRUE(unknown.ok());
  ASSERT_FALSE(unknown->call.ok());
  EXPECT_EQ(unknown->call.error().code, ErrorCode::not_found);
  EXPECT_EQ(unknown->call.error().message, "rpc: can't find method Server.Nope");

  auto call_error = [](std::string_view method_hex, std::string_view arg_hex) {
    auto d = decode_request(
        unhex(std::string("9400") + "07" + std::string(method_hex) + "91" + std::string(arg_hex)));
    EXPECT_TRUE(d.ok());
    return d.ok() && !d->call.ok() && d->call.error().code == ErrorCode::invalid_input;
  };
  std::string ping = hex(std::string("\xab") + "Server.Ping");
  std::string report = hex(std::string("\xad") + "Server.Report");
  std::string meta = hex(std::string("\xb2") + "Server.GetTaskMeta");
  EXPECT_TRUE(call_error(ping, "01"));                                // Ping with an int
  EXPECT_TRUE(call_error(report, "a3616263"));                        // Report with a string
  EXPECT_TRUE(call_error(report, "81a54964656e7401"));                // Ident is an int
  EXPECT_TRUE(call_error(report, "81ab5265706f72745461736b73a0"));    // ReportTasks is a string
  EXPECT_TRUE(call_error(report, "81ab5265706f72745461736b739101"));  // a task that is not a map
  EXPECT_TRUE(call_error(report, "81ab5265706f72745461736b739181a24964a0"));  // Id is a string
  EXPECT_TRUE(call_error(report, "8101a0"));            // a key that is not a string
  EXPECT_TRUE(call_error(meta, "a137"));                // task id as a string
  EXPECT_TRUE(call_error(meta, "cb3ff0000000000000"));  // task id as a float
  EXPECT_TRUE(call_error(meta, "cfffffffffffffffff"));  // task id beyond int64
  auto no_arg =
      decode_request(unhex("9400"
                           "07" +
                           meta + "90"));
  ASSERT_TRUE(no_arg.ok());
  EXPECT_FALSE(no_arg->call.ok());
}

// --- framing -------------------------------------------------------------

std::vector<std::string> drain(FrameSplitter& s) {
  std::vector<std::string> out;
  for (;;) {
    auto f = s.next();
    EXPECT_TRUE(f.ok()) << f.error().message;
    if (!f.ok() || !f->has_value()) return out;
    out.push_back(**f);
  }
}

TEST(IbexRpcFrameSplitter, ReturnsFramesSplitAcrossReadsByteByByte) {
  std::string stream = unhex(kPingRequest) + unhex(kReportWithResult) + unhex(kTaskMetaRequest);
  FrameSplitter s;
  std::vector<std::string> got;
  for (char c : stream) {
    s.append(std::string_view(&c, 1));
    for (auto& f : drain(s)) got.push_back(f);
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(hex(got[0]), kPingRequest);
  EXPECT_EQ(hex(got[1]), kReportWithResult);
  EXPECT_EQ(hex(got[2]), kTaskMetaRequest);
  EXPECT_EQ(s.buffered(), 0u);
}

TEST(IbexRpcFrameSplitter, ReturnsSeveralFramesFromOneRead) {
  FrameSplitter s;
  std::string two = unhex(kReportRequest) + unhex(kTaskMetaRequest);
  s.append(two + unhex(kPingRequest).substr(0, 5));
  auto got = drain(s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(hex(got[1]), kTaskMetaRequest);
  EXPECT_EQ(s.buffered(), 5u);
  s.append(unhex(kPingRequest).substr(5));
  got = drain(s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(hex(got[0]), kPingRequest);
}

TEST(IbexRpcFrameSplitter, EmptyArrayAndNestedEmptyContainersAreFrames) {
  FrameSplitter s;
  s.append(
      unhex("90"
            "92"
            "80"
            "90"));
  auto got = drain(s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(hex(got[1]), "928090");
}

TEST(IbexRpcFrameSplitter, RefusesAHugeLengthPrefixBeforeItsBytesArrive) {
  FrameSplitter s(1024);
  s.append(
      unhex("9400"
            "00"
            "db"
            "7fffffff"));  // a 2 GiB method name
  auto f = s.next();
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::too_large);
  EXPECT_EQ(s.buffered(), 0u);
  s.append("more");
  EXPECT_FALSE(s.next().ok());  // sticky
}

TEST(IbexRpcFrameSplitter, RefusesHugeElementCountsAndOverlongFrames) {
  FrameSplitter counts(1024);
  counts.append(
      unhex("dd"
            "ffffffff"));
  auto f = counts.next();
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::too_large);

  // Many small elements: no single prefix is large, the frame is.
  FrameSplitter overlong(64);
  overlong.append(
      unhex("dc"
            "ffff"));
  for (int i = 0; i < 10; ++i) overlong.append(std::string(10, '\x01'));
  auto g = overlong.next();
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, ErrorCode::too_large);
}

TEST(IbexRpcFrameSplitter, RefusesNonArraysReservedBytesAndDeepNesting) {
  FrameSplitter map;
  map.append(unhex("80"));
  EXPECT_FALSE(map.next().ok());
  FrameSplitter garbage;
  garbage.append("GET / HTTP/1.1\r\n");
  EXPECT_FALSE(garbage.next().ok());
  FrameSplitter reserved;
  reserved.append(
      unhex("92"
            "c1"
            "00"));
  EXPECT_FALSE(reserved.next().ok());
  FrameSplitter deep;
  deep.append(std::string(100, '\x91'));
  auto d = deep.next();
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, "frame nests too deeply");
}

TEST(IbexRpcFrameSplitter, WaitsForTheRestOfATruncatedFrame) {
  FrameSplitter s;
  std::string frame = unhex(kReportWithResult);
  s.append(frame.substr(0, frame.size() - 1));
  auto f = s.next();
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->has_value());
  EXPECT_EQ(s.buffered(), frame.size() - 1);
}

TEST(IbexRpcFrameSplitter, EveryFrameItReturnsDecodesOrFailsCleanly) {
  // Flip each byte of a valid request: the splitter and decoder must never
  // crash, whatever they make of it.
  std::string frame = unhex(kReportWithResult);
  for (size_t i = 0; i < frame.size(); ++i) {
    for (unsigned char v :
         {0x00, 0x7f, 0x80, 0x90, 0xa0, 0xc0, 0xc1, 0xc4, 0xd9, 0xdb, 0xdc, 0xdf, 0xff}) {
      std::string bad = frame;
      bad[i] = static_cast<char>(v);
      FrameSplitter s(4096);
      s.append(bad);
      auto f = s.next();
      if (f.ok() && f->has_value()) (void)decode_request(**f);
    }
  }
}

}  // namespace
}  // namespace mend::ibex_rpc
