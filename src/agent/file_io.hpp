#pragma once
// The agent's low-level file writes (spool, record journal, scripts,
// identity): errors as values naming the operation and the path.
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mend::agent {

// unavailable: "<what> <path>: <strerror(err)>".
Error io_error(const std::string& what, const std::filesystem::path& p, int err);

// Writes all of data at fd's offset, through short writes and EINTR. On
// failure: io_error("write", p, errno); fd is left open for the caller.
Result<void> write_all(int fd, std::string_view data, const std::filesystem::path& p);

// fsync of a directory, so a rename or a new entry in it survives a crash.
Result<void> fsync_dir(const std::filesystem::path& dir);

}  // namespace mend::agent
