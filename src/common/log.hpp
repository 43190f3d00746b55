#pragma once
// Logging: spdlog, one line per event. Call setup_logging once from main.
#include <spdlog/spdlog.h>

#include <string>

namespace mend {

// level: trace, debug, info, warn, error. Returns false for an unknown level.
bool setup_logging(const std::string& level, const std::string& process_name);

}  // namespace mend
