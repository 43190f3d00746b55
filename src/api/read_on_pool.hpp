#pragma once
// Runs a read-only answer (ApiResponse::read_elsewhere) on a ReadPool thread
// and resumes the awaiting coroutine on its own executor with the answer;
// meanwhile that executor's thread serves everything else.
#include "api/http_types.hpp"
#include "common/asio.hpp"
#include "store/read_pool.hpp"

namespace mend {

// A reader connection that cannot be opened answers 503. `read` is moved
// from (a reference: GCC 12 mis-destroys coroutine argument temporaries).
awaitable<ApiResponse> read_on_pool(ReadPool& pool, std::function<ApiResponse(Store&)>& read);

}  // namespace mend
