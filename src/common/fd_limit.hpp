#pragma once
// The open-files limit. A server with tens of thousands of agents, and a load
// generator simulating them, each need one descriptor per connection; the
// usual soft limit (1024) is far below that.
#include <cstddef>

namespace mend {

struct OpenFilesLimit {
  size_t soft = 0;
  size_t hard = 0;
};

// Raises the soft RLIMIT_NOFILE to the hard limit (the most an unprivileged
// process may take) and returns the limits in force afterwards. Never fails:
// when the limit cannot be read or raised, it reports what is in force.
OpenFilesLimit raise_open_files_limit();

}  // namespace mend
