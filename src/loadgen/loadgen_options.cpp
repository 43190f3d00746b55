#include "loadgen/loadgen_options.hpp"

#include <set>

namespace mend::loadgen {

std::vector<std::string> agent_idents(const LoadgenOptions& o) {
  std::vector<std::string> out = o.idents;
  out.reserve(o.idents.size() + o.count);
  for (size_t i = 0; i < o.count; ++i) out.push_back(o.prefix + std::to_string(o.first + i));
  return out;
}

Result<void> validate(const LoadgenOptions& o, size_t open_files) {
  if (o.server.empty() && o.ibex.empty())
    return make_error(ErrorCode::invalid_input,
                      "--server (native agents) or --ibex (Ibex-protocol agents) is required");
  if (!o.server.empty() && !o.ibex.empty())
    return make_error(ErrorCode::invalid_input,
                      "--server and --ibex both given: one loadgen simulates one kind of agent");
  if (o.poll.count() <= 0) return make_error(ErrorCode::invalid_input, "--poll-ms must be positive");
  const size_t total = o.count + o.idents.size();
  if (total == 0) return make_error(ErrorCode::invalid_input, "no agents: give --count or --ident");
  if (o.connect_rate <= 0)
    return make_error(ErrorCode::invalid_input, "--connect-rate must be positive");
  if (o.exec_time.count() < 0)
    return make_error(ErrorCode::invalid_input, "--exec-ms must not be negative");
  if (total + kReservedFiles > open_files) {
    return make_error(ErrorCode::invalid_input,
                      std::to_string(total) + " agents need " +
                          std::to_string(total + kReservedFiles) +
                          " open files but this process may hold " + std::to_string(open_files) +
                          " (hard RLIMIT_NOFILE); run several loadgens or raise the limit");
  }
  std::set<std::string> seen;
  for (const auto& id : o.idents) {
    if (id.empty()) return make_error(ErrorCode::invalid_input, "--ident must not be empty");
    if (!seen.insert(id).second)
      return make_error(ErrorCode::invalid_input, "--ident " + id + " given twice");
  }
  if (o.count > 0) {
    // A named agent that is also a numbered one would be refused by the server
    // (one session per ident) and the run would never be ready.
    for (const auto& id : o.idents) {
      if (id.rfind(o.prefix, 0) != 0) continue;
      std::string rest = id.substr(o.prefix.size());
      if (rest.empty() || rest.find_first_not_of("0123456789") != std::string::npos) continue;
      if ((rest.size() > 1 && rest[0] == '0') || rest.size() > 18) continue;
      size_t n = std::stoull(rest);
      if (n >= o.first && n < o.first + o.count)
        return make_error(ErrorCode::invalid_input, "--ident " + id + " is also a numbered agent");
    }
  }
  return ok();
}

}  // namespace mend::loadgen
