#pragma once
// Cuts a MessagePack-RPC byte stream into frames (one msgpack array each)
// without decoding them: frames may arrive split across reads or several in one.
//
// Limits are checked from the length prefixes before any byte of a frame is
// stored beyond what was read, so a header announcing 4 GiB is refused at once.
// Scanning resumes where it stopped, so a large frame arriving in many reads
// costs linear time.
//
// Threading: none; one splitter per connection.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "proto/ibex_rpc_messages.hpp"

namespace mend::ibex_rpc {

class FrameSplitter {
 public:
  // Nesting deeper than this is refused (a Report frame nests 5 deep).
  static constexpr size_t kMaxDepth = 16;

  explicit FrameSplitter(size_t max_frame_bytes = kDefaultMaxFrameBytes)
      : max_frame_(max_frame_bytes) {}

  // Adds bytes read from the peer.
  void append(std::string_view bytes);

  // The next complete frame, or nullopt when more bytes are needed. An error
  // means the stream cannot be read any further (close the connection) and is
  // sticky: too_large when a frame is or announces more than the limit,
  // invalid_input when a frame is not an array, holds the reserved byte 0xc1,
  // or nests deeper than kMaxDepth.
  Result<std::optional<std::string>> next();

  // Bytes held and not yet returned as frames.
  size_t buffered() const { return buf_.size() - start_; }
  // Changes the limit for frames not yet complete (the listener raises it once
  // a connection is bound to a host it may act for).
  void set_max_frame_bytes(size_t max_frame_bytes) { max_frame_ = max_frame_bytes; }

 private:
  Error fail(ErrorCode code, std::string message);

  size_t max_frame_;
  std::string buf_;
  size_t start_ = 0;            // first byte of the current frame in buf_
  size_t pos_ = 0;              // bytes of the current frame scanned so far
  std::vector<uint64_t> open_;  // elements still missing in each open array/map
  std::optional<Error> failed_;
};

}  // namespace mend::ibex_rpc
