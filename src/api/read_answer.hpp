#pragma once
// An answer that only reads the database. When the server has reader threads
// (ApiContext::reads_elsewhere), `read` runs on one of them with that thread's
// own read connection (ApiResponse::read_elsewhere), and the io thread goes on
// committing reports and sending dispatches meanwhile; otherwise (unit tests,
// an in-memory database) it runs at once on ctx.store.
//
// So that it may run on another thread, `read` owns what it uses: it captures
// values (the task id, the parsed query), never the request or ctx, and
// touches nothing but the store it is given. Work that needs the io thread
// (the clock, the agent hub, parsing the request) is done before calling this.
#include <functional>

#include "api/api_context.hpp"
#include "api/http_types.hpp"

namespace mend {

using ReadFn = std::function<ApiResponse(Store& reader)>;

ApiResponse read_answer(const ApiContext& ctx, ReadFn read);

// Runs `read` on `reader` as a reader thread does: an exception becomes a 500.
ApiResponse run_read(const ReadFn& read, Store& reader);

}  // namespace mend
