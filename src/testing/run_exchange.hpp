#pragma once
// For tests that play the far side of a protocol in a coroutine: runs that
// coroutine (the "exchange") on an io_context beside the code under test.
#include <chrono>
#include <functional>

#include "common/asio.hpp"
#include "common/result.hpp"

namespace mend::testing {

// Spawns exchange() on `io` and runs `io` until the exchange returns or
// throws, or for `limit` at the most. When it ends, `stop` is called (to end
// the coroutines of the code under test) and then `io` is stopped, so
// whatever is still suspended on `io` stays so until `io` is destroyed.
// Returns an error carrying the exception's message if the exchange threw
// (coroutines throw where a test would ASSERT), or saying that it did not
// finish in time. The caller keeps `io` alive; `stop` may be empty.
[[nodiscard]] Result<void> run_exchange(asio::io_context& io,
                                        std::function<awaitable<void>()> exchange,
                                        std::function<void()> stop,
                                        std::chrono::seconds limit = std::chrono::seconds(20));

}  // namespace mend::testing
