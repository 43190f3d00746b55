#include "testing/run_exchange.hpp"

#include <exception>
#include <string>

#include "common/exception_message.hpp"

namespace mend::testing {

Result<void> run_exchange(asio::io_context& io, std::function<awaitable<void>()> exchange,
                          std::function<void()> stop, std::chrono::seconds limit) {
  bool done = false;
  std::string failure;
  asio::co_spawn(io, exchange(), [&](std::exception_ptr e) {
    done = true;
    if (e) failure = exception_message(e);
    if (stop) stop();
    io.stop();
  });
  io.run_for(limit);
  if (!done)
    return make_error(ErrorCode::unavailable,
                      "the exchange did not finish within " + std::to_string(limit.count()) + " s");
  if (!failure.empty()) return make_error(ErrorCode::internal, "the exchange failed: " + failure);
  return ok();
}

}  // namespace mend::testing
