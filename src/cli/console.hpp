#pragma once
// Where commands write, and the exit codes they return.
#include <nlohmann/json.hpp>
#include <ostream>

#include "common/result.hpp"

namespace mend::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitHostsFailed = 1;    // the task ran, and some host did not succeed
inline constexpr int kExitError = 2;          // usage, connection or server error
inline constexpr int kExitPaused = 3;         // the task paused (failures past its tolerance, or a pause host)
inline constexpr int kExitInterrupted = 130;  // Ctrl-C while following (128 + SIGINT)

struct Console {
  std::ostream& out;
  std::ostream& err;
  bool tty = false;  // out is a terminal: progress is redrawn in place
  bool json = false;  // read commands print the server's answer as JSON (-o json)
  bool utc = false;   // times in UTC instead of the local zone (--utc)
};

// Prints `dat` as indented JSON on out and returns kExitOk.
int print_json(Console& console, const nlohmann::json& dat);

// Prints "mendctl: <message>" on err and returns kExitError.
int report_error(Console& console, const Error& error);

}  // namespace mend::cli
