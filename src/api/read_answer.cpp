#include "api/read_answer.hpp"

#include "api/envelope.hpp"
#include "common/log.hpp"

namespace mend {

ApiResponse run_read(const ReadFn& read, Store& reader) {
  // ApiService catches a handler's exception on the io thread; on a reader
  // thread nothing else would, and the request would never be answered.
  try {
    return read(reader);
  } catch (const std::exception& e) {
    spdlog::error("read failed: {}", e.what());
    return json_error(500, "internal error");
  }
}

ApiResponse read_answer(const ApiContext& ctx, ReadFn read) {
  if (!ctx.reads_elsewhere) return read(ctx.store);
  ApiResponse res;
  res.read_elsewhere = [read = std::move(read)](Store& reader) { return run_read(read, reader); };
  return res;
}

}  // namespace mend
