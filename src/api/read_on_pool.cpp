#include "api/read_on_pool.hpp"

#include "api/envelope.hpp"

namespace mend {

awaitable<ApiResponse> read_on_pool(ReadPool& pool, std::function<ApiResponse(Store&)>& read) {
  auto executor = co_await asio::this_coro::executor;
  auto start = [&pool, &read, executor](auto handler) {
    // The job is a copyable std::function; the coroutine's handler is move-only.
    auto waiting = std::make_shared<decltype(handler)>(std::move(handler));
    pool.submit([waiting, executor, read = std::move(read)](Result<Store*> reader) {
      ApiResponse res = reader.ok() ? read(**reader)
                                    : json_error(503, "database unavailable: " + reader.error().message);
      asio::post(executor, [waiting, res = std::move(res)]() mutable { (*waiting)(std::move(res)); });
    });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(ApiResponse)>(std::move(start),
                                                                                          asio::use_awaitable);
}

}  // namespace mend
