#pragma once
// Reads tests/fixtures/heal/NAME for the heal tests (MEND_SOURCE_DIR is set by CMake).
#include <fstream>
#include <sstream>
#include <string>

namespace mend::heal::test_data {

inline std::string fixture(const std::string& name) {
  std::ifstream f(std::string(MEND_SOURCE_DIR) + "/tests/fixtures/heal/" + name);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace mend::heal::test_data
