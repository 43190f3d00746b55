#pragma once
// Where a load generator writes down when each assignment arrived, so a
// benchmark can subtract the time it sent the request:
//
//   <unix time ns> <ident> <task id> <dispatch id>\n
//
// one line per Assign, flushed at once (a reader tails the file while the run
// goes on). Threading: not thread-safe; one io_context thread.
#include <cstdint>
#include <cstdio>
#include <string>

#include "common/result.hpp"
#include "proto/agent_messages.hpp"

namespace mend::loadgen {

class AssignLog {
 public:
  AssignLog() = default;  // records nothing
  // Errors: unavailable when the file cannot be created.
  static Result<AssignLog> open(const std::string& path);
  AssignLog(AssignLog&& o) noexcept : f_(o.f_) { o.f_ = nullptr; }
  AssignLog& operator=(AssignLog&&) = delete;
  ~AssignLog();

  void record(int64_t recv_unix_ns, const std::string& ident, const proto::Assign& a);

 private:
  explicit AssignLog(std::FILE* f) : f_(f) {}
  std::FILE* f_ = nullptr;
};

// The line record() writes, without its newline.
std::string assign_log_line(int64_t recv_unix_ns, const std::string& ident, const proto::Assign& a);

}  // namespace mend::loadgen
