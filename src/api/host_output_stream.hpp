#pragma once
// One host's output of one task as server-sent events: what the database has
// first, then each update as it arrives (an agent connected to this server
// through LiveOutput at once; others from the database, read at every wake
// and once a second), until the host's run is over.
//
// Each event is `data: {...}` with the host's `status`, `dispatch_id`, and
// per stream either `stdout_append` (text to add) or `stdout_reset` (the
// whole text, when the agent's head-and-tail limit cut the middle or a redo
// started over); likewise for stderr. The last event has `"end": true`.
#include <memory>
#include <string>

#include "api/api_context.hpp"
#include "api/http_types.hpp"

namespace mend {

std::shared_ptr<ResponseStream> host_output_stream(ApiContext& ctx, int64_t task_id,
                                                   std::string host);

}  // namespace mend
