#pragma once
// The integration tests use the shared TempDir and file helpers (src/testing).
#include "testing/temp_dir.hpp"

namespace mend::it {

using mend::testing::read_file;
using mend::testing::TempDir;
using mend::testing::write_file;

}  // namespace mend::it
