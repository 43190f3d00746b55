#include "common/fd_limit.hpp"

#include <sys/resource.h>

namespace mend {

OpenFilesLimit raise_open_files_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return {};
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  auto as_size = [](rlim_t v) {
    return v == RLIM_INFINITY ? static_cast<size_t>(-1) : static_cast<size_t>(v);
  };
  return {as_size(rl.rlim_cur), as_size(rl.rlim_max)};
}

}  // namespace mend
