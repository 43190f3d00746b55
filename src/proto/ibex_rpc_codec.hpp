#pragma once
// The server side of Ibex's agent protocol on the wire: requests
// [0, msgid, "Server.Method", [arg]] in, responses [1, msgid, error-or-nil,
// result] out, byte for byte as Ibex's Go server writes them (see
// ibex_rpc_msgpack.hpp for the encoding rules).
//
// Never throws: msgpack-cxx's exceptions stop at this boundary.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "proto/ibex_rpc_messages.hpp"

namespace mend::ibex_rpc {

// A well-formed request envelope. `call` is an error when the method is unknown
// (not_found: answer with an error and go on, as Go's net/rpc does) or its
// argument has the wrong shape (invalid_input: answer and close).
struct DecodedRequest {
  uint32_t msgid = 0;
  std::string method;
  Result<Call> call = make_error(ErrorCode::internal, "not decoded");
};

// `frame` is one complete frame (see FrameSplitter). Errors (invalid_input):
// not msgpack, trailing bytes, not a 4-element array, not a request (type 0),
// a msgid that is not uint32, a method that is not a string, params not an array.
Result<DecodedRequest> decode_request(std::string_view frame);

std::string encode_reply(uint32_t msgid, const Reply& reply);
// [1, msgid, message, nil]: what Go's net/rpc sends when a method fails.
std::string encode_error_reply(uint32_t msgid, std::string_view message);

}  // namespace mend::ibex_rpc
