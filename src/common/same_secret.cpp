#include "common/same_secret.hpp"

namespace mend {

bool same_secret(std::string_view given, std::string_view expected) {
  if (expected.empty()) return given.empty();
  // Walks all of `given`, wrapping around `expected`; the size check is
  // folded into the same accumulator rather than returned early.
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
  return diff == 0;
}

}  // namespace mend
