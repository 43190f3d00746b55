#pragma once
// The SQLite database holds task scripts and stdin (often secrets), so it is
// readable by its owner only: created 0600 whatever the umask. SQLite gives
// the -wal and -shm files it creates the database file's mode, so they are
// 0600 too. A file that already exists keeps its mode (the operator chose
// it), but a wider one is reported at start.
#include <string>
#include <vector>

#include "common/result.hpp"

namespace mend::sqlite {

// Creates `path` empty with mode 0600 if it does not exist (SQLite takes an
// empty file as an empty database). Nothing for ":memory:" or a "file:" URI.
// Errors: unavailable when the file cannot be created.
Result<void> create_private_file(const std::string& path);

// One line for each of `path`, `path`-wal and `path`-shm that exists and
// that group or others may read or write.
std::vector<std::string> wider_than_private(const std::string& path);

}  // namespace mend::sqlite
