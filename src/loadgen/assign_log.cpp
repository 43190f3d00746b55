#include "loadgen/assign_log.hpp"

#include <cerrno>
#include <cstring>

namespace mend::loadgen {

Result<AssignLog> AssignLog::open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f)
    return make_error(ErrorCode::unavailable,
                      "cannot create " + path + ": " + std::strerror(errno));
  return AssignLog(f);
}

AssignLog::~AssignLog() {
  if (f_) std::fclose(f_);
}

std::string assign_log_line(int64_t recv_unix_ns, const std::string& ident,
                            const proto::Assign& a) {
  return std::to_string(recv_unix_ns) + " " + ident + " " + std::to_string(a.task_id) + " " +
         std::to_string(a.dispatch_id);
}

void AssignLog::record(int64_t recv_unix_ns, const std::string& ident, const proto::Assign& a) {
  if (!f_) return;
  std::string line = assign_log_line(recv_unix_ns, ident, a);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), f_);
  std::fflush(f_);
}

}  // namespace mend::loadgen
