#pragma once
// Hopping between the server's two threads from a coroutine: sockets live on
// the network thread, the engine, the hub and the store on the state thread
// (docs/design.md, "Threads").
#include <type_traits>
#include <utility>

#include "common/asio.hpp"

namespace mend {

// Runs `fn` on `ex` and resumes the calling coroutine on its own executor
// with what `fn` returned. Always goes through `ex`'s queue, even when it is
// the caller's own: work already queued there runs first. `fn` is moved to
// `ex` and destroyed there, so what it captures never changes hands twice;
// an exception it throws is rethrown in the caller.
template <class Fn>
awaitable<std::invoke_result_t<Fn&>> run_on(asio::any_io_executor ex, Fn fn) {
  using T = std::invoke_result_t<Fn&>;
  // Named, not a temporary inside co_await (GCC 12 mis-destroys those).
  auto hop = asio::co_spawn(
      ex, [fn = std::move(fn)]() mutable -> awaitable<T> { co_return fn(); }, asio::use_awaitable);
  co_return co_await std::move(hop);
}

}  // namespace mend
