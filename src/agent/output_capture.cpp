#include "agent/output_capture.hpp"

#include "common/strings.hpp"

namespace mend::agent {

namespace {
// Bytes kept beyond each cap so a cut can step back or forward to a UTF-8
// boundary (a sequence is at most 4 bytes).
constexpr size_t kSlack = 3;
}  // namespace

OutputCapture::OutputCapture(size_t limit) : head_cap_(limit / 2), tail_cap_(limit - limit / 2) {}

void OutputCapture::append(std::string_view bytes) {
  if (bytes.empty()) return;
  total_ += static_cast<int64_t>(bytes.size());
  ++version_;
  if (head_.size() < head_cap_ + kSlack) {
    size_t n = std::min(head_cap_ + kSlack - head_.size(), bytes.size());
    head_.append(bytes.substr(0, n));
    bytes.remove_prefix(n);
  }
  tail_.append(bytes);
  // Trim only when the tail has doubled, so appends stay amortised O(1).
  if (tail_.size() > 2 * (tail_cap_ + kSlack)) tail_.erase(0, tail_.size() - (tail_cap_ + kSlack));
}

int64_t OutputCapture::dropped() const {
  if (static_cast<size_t>(total_) <= head_cap_ + tail_cap_) return 0;
  size_t h = utf8_prefix_len(head_, head_cap_);
  // What follows the kept head, as far as it is held: the tail window is cut from it.
  std::string after = head_.substr(h) + tail_;
  size_t t = after.size() - utf8_suffix_start(after, tail_cap_);
  return total_ - static_cast<int64_t>(h + t);
}

std::string OutputCapture::text() const {
  if (static_cast<size_t>(total_) <= head_cap_ + tail_cap_) return sanitize_utf8(head_ + tail_);
  size_t h = utf8_prefix_len(head_, head_cap_);
  std::string after = head_.substr(h) + tail_;
  std::string_view tail(after);
  tail = tail.substr(utf8_suffix_start(tail, tail_cap_));
  int64_t dropped = total_ - static_cast<int64_t>(h + tail.size());
  std::string out = sanitize_utf8(std::string_view(head_).substr(0, h));
  out += "\n...[" + std::to_string(dropped) + " bytes dropped]...\n";
  out += sanitize_utf8(tail);
  return out;
}

}  // namespace mend::agent
