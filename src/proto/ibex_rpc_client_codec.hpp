#pragma once
// The agent side of Ibex's agent protocol on the wire, as Ibex's Go agent
// writes and reads it. Mend's server does not need it: tests and tools that
// play an Ibex agent do.
//
// Never throws.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "proto/ibex_rpc_messages.hpp"

namespace mend::ibex_rpc {

// [0, msgid, "Server.Method", [arg]] with arg written as Go writes it.
std::string encode_request(uint32_t msgid, const Call& call);

enum class ReplyKind { ping, report, task_meta };

struct DecodedResponse {
  uint32_t msgid = 0;
  std::string error;  // empty: no error; then `reply` holds the result
  Reply reply;
};

// Errors (invalid_input): not a response frame, or a result not of `kind`.
Result<DecodedResponse> decode_response(std::string_view frame, ReplyKind kind);

}  // namespace mend::ibex_rpc
