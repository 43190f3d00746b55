#include "agent/args.hpp"

#include "common/strings.hpp"

namespace mend::agent {

std::vector<std::string> split_ibex_args(std::string_view args) {
  if (args.empty()) return {};
  return split(args, ",,");
}

}  // namespace mend::agent
