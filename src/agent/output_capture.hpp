#pragma once
// Keeps the first and last bytes of one output stream within a limit, so a
// script that prints gigabytes costs the agent a bounded amount of memory and
// the operator still sees how it started and how it ended.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mend::agent {

class OutputCapture {
 public:
  // limit: bytes kept in total; half for the head, the rest for the tail.
  explicit OutputCapture(size_t limit);

  void append(std::string_view bytes);

  // The kept text as valid UTF-8. When bytes were dropped, a marker line
  // "\n...[N bytes dropped]...\n" sits between head and tail. Cuts fall on
  // UTF-8 boundaries; invalid bytes become U+FFFD (so the text may be a little
  // longer than the limit for binary output).
  std::string text() const;
  // Raw bytes left out of text() (the middle of the stream).
  int64_t dropped() const;
  int64_t total() const { return total_; }
  // Bumped on every append that added bytes; lets callers send only changes.
  uint64_t version() const { return version_; }

 private:
  size_t head_cap_;
  size_t tail_cap_;
  std::string head_;
  std::string tail_;  // bytes after the head; trimmed lazily to tail_cap_
  int64_t total_ = 0;
  uint64_t version_ = 0;
};

}  // namespace mend::agent
