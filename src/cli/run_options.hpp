#pragma once
// `mendctl run`: its options and the Ibex task form built from them.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace mend::cli {

struct RunOptions {
  std::string hosts;  // comma separated, as typed
  int64_t batch = 0;
  int64_t tolerance = 0;
  std::string account = "root";
  int64_t timeout_s = 0;    // 0: the server's default (30 s)
  std::string args;         // Ibex form: arguments separated by ",,"
  std::string stdin_file;   // empty: no stdin; "-": mendctl's own stdin
  std::string title;        // empty: "mendctl <script basename>"
  std::string pause;        // comma separated hosts after which the task pauses
  std::string script_path;  // a file, or "-" for mendctl's stdin
  bool no_wait = false;
};

// Host idents from "h1, h2,,h3": trimmed, empty entries dropped, in order,
// duplicates dropped (the server keeps hosts unique).
std::vector<std::string> parse_host_list(const std::string& hosts);

// "mendctl deploy.sh" for "/path/to/deploy.sh", "mendctl stdin" for "-".
std::string default_title(const std::string& script_path);

// The POST /ibex/v1/tasks body (action "start"). Checks what the server would
// refuse so a typo fails before any request.
// Errors: invalid_input naming the option.
Result<nlohmann::json> build_task_form(const RunOptions& options, const std::string& script,
                                       const std::string& stdin_text, const std::string& creator);

}  // namespace mend::cli
