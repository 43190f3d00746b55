#pragma once
// Whole small files that a reader in another process must never see half
// written (ready files that tests and scripts poll).
#include <string>

namespace mend {

// Writes `content` and a newline to `path` + ".tmp", then renames it over
// `path`. False if either step failed.
bool write_file_atomically(const std::string& path, const std::string& content);

}  // namespace mend
