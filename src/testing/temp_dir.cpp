#include "testing/temp_dir.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace mend::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/mend-test-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  path_ = buf.data();
}

TempDir::~TempDir() {
  auto set = [](const char* name) {
    const char* v = std::getenv(name);
    return v && std::string(v) == "1";
  };
  // MEND_IT_KEEP_TMP: the name the integration tests' own copy read.
  if (set("MEND_TEST_KEEP_TMP") || set("MEND_IT_KEEP_TMP")) {
    std::cerr << "[mend-test] kept " << path_ << "\n";
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::filesystem::path& p, std::string_view content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + p.string());
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

}  // namespace mend::testing
