#include "proto/ibex_rpc_frame_splitter.hpp"

namespace mend::ibex_rpc {

namespace {

// What one msgpack header says: its own size and either a payload length
// (strings, binaries, extensions, numbers) or a number of elements to follow.
struct Header {
  size_t header_bytes = 1;
  uint64_t payload_bytes = 0;
  bool container = false;
  uint64_t elements = 0;
  bool reserved = false;
};

uint64_t read_be(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

// Bytes of the header that follow its first byte (needed to know its lengths).
size_t length_bytes(unsigned char b) {
  switch (b) {
    case 0xc4:
    case 0xc7:
    case 0xd9:
      return 1;
    case 0xc5:
    case 0xc8:
    case 0xda:
    case 0xdc:
    case 0xde:
      return 2;
    case 0xc6:
    case 0xc9:
    case 0xdb:
    case 0xdd:
    case 0xdf:
      return 4;
    default:
      return 0;
  }
}

// `p` holds the first byte and its length_bytes().
Header parse_header(const unsigned char* p) {
  unsigned char b = p[0];
  Header h;
  if (b <= 0x7f || b >= 0xe0) return h;  // fixint
  if (b <= 0x8f) return Header{1, 0, true, uint64_t(b & 0x0f) * 2};
  if (b <= 0x9f) return Header{1, 0, true, uint64_t(b & 0x0f)};
  if (b <= 0xbf) return Header{1, uint64_t(b & 0x1f)};
  switch (b) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return h;
    case 0xc1:
      h.reserved = true;
      return h;
    case 0xc4:
    case 0xd9:
      return Header{2, read_be(p + 1, 1)};
    case 0xc5:
    case 0xda:
      return Header{3, read_be(p + 1, 2)};
    case 0xc6:
    case 0xdb:
      return Header{5, read_be(p + 1, 4)};
    case 0xc7:
      return Header{3, read_be(p + 1, 1)};  // ext: length, type, data
    case 0xc8:
      return Header{4, read_be(p + 1, 2)};
    case 0xc9:
      return Header{6, read_be(p + 1, 4)};
    case 0xca:
      return Header{1, 4};
    case 0xcb:
      return Header{1, 8};
    case 0xcc:
    case 0xd0:
      return Header{1, 1};
    case 0xcd:
    case 0xd1:
      return Header{1, 2};
    case 0xce:
    case 0xd2:
      return Header{1, 4};
    case 0xcf:
    case 0xd3:
      return Header{1, 8};
    case 0xd4:
      return Header{2, 1};  // fixext: type, data
    case 0xd5:
      return Header{2, 2};
    case 0xd6:
      return Header{2, 4};
    case 0xd7:
      return Header{2, 8};
    case 0xd8:
      return Header{2, 16};
    case 0xdc:
      return Header{3, 0, true, read_be(p + 1, 2)};
    case 0xdd:
      return Header{5, 0, true, read_be(p + 1, 4)};
    case 0xde:
      return Header{3, 0, true, read_be(p + 1, 2) * 2};
    case 0xdf:
      return Header{5, 0, true, read_be(p + 1, 4) * 2};
  }
  return h;  // unreachable: every byte value is covered above
}

bool is_array_start(unsigned char b) { return (b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd; }

}  // namespace

void FrameSplitter::append(std::string_view bytes) {
  if (failed_) return;
  // Drop returned frames before growing, so the buffer holds at most the
  // current frame plus what was read after it.
  if (start_ > 0 && start_ >= buf_.size() / 2) {
    buf_.erase(0, start_);
    start_ = 0;
  }
  buf_.append(bytes);
}

Error FrameSplitter::fail(ErrorCode code, std::string message) {
  failed_ = make_error(code, std::move(message));
  buf_.clear();
  buf_.shrink_to_fit();
  start_ = pos_ = 0;
  open_.clear();
  return *failed_;
}

Result<std::optional<std::string>> FrameSplitter::next() {
  if (failed_) return *failed_;
  const auto* frame = reinterpret_cast<const unsigned char*>(buf_.data() + start_);
  const size_t avail = buf_.size() - start_;
  while (pos_ < avail) {
    if (pos_ == 0 && !is_array_start(frame[0]))
      return fail(ErrorCode::invalid_input, "frame is not a msgpack array");
    const size_t extra = length_bytes(frame[pos_]);
    if (pos_ + 1 + extra > avail) break;
    Header h = parse_header(frame + pos_);
    if (h.reserved) return fail(ErrorCode::invalid_input, "reserved byte 0xc1 in frame");
    // Every element takes at least one byte, so counts are bounded like lengths.
    uint64_t need = uint64_t(pos_) + h.header_bytes + (h.container ? h.elements : h.payload_bytes);
    if (need > max_frame_)
      return fail(ErrorCode::too_large,
                  "frame larger than " + std::to_string(max_frame_) + " bytes");
    if (h.container) {
      if (h.elements > 0) {
        if (open_.size() >= kMaxDepth)
          return fail(ErrorCode::invalid_input, "frame nests too deeply");
        pos_ += h.header_bytes;
        open_.push_back(h.elements);
        continue;
      }
      pos_ += h.header_bytes;
    } else {
      if (pos_ + h.header_bytes + h.payload_bytes > avail) break;
      pos_ += h.header_bytes + static_cast<size_t>(h.payload_bytes);
    }
    // One value is complete: it may complete its parents too.
    while (!open_.empty()) {
      if (--open_.back() > 0) break;
      open_.pop_back();
    }
    if (open_.empty()) {
      std::string out = buf_.substr(start_, pos_);
      start_ += pos_;
      pos_ = 0;
      if (start_ == buf_.size()) {
        buf_.clear();
        start_ = 0;
      }
      return std::optional<std::string>(std::move(out));
    }
  }
  if (pos_ >= max_frame_)
    return fail(ErrorCode::too_large, "frame larger than " + std::to_string(max_frame_) + " bytes");
  return std::optional<std::string>();
}

}  // namespace mend::ibex_rpc
