#pragma once
// For unit and integration tests: a fresh directory under $TMPDIR (or /tmp),
// removed with everything in it when the TempDir is destroyed, unless the
// environment sets MEND_TEST_KEEP_TMP=1 (or MEND_IT_KEEP_TMP=1; then its path
// is printed, for a post-mortem).
#include <filesystem>
#include <string>
#include <string_view>

namespace mend::testing {

class TempDir {
 public:
  TempDir();  // throws std::system_error when no directory can be made
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path() / name; the file itself is not created.
  std::filesystem::path file(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Whole-file helpers for test assertions; read_file returns "" for a missing file.
std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, std::string_view content);

}  // namespace mend::testing
