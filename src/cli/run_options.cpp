#include "cli/run_options.hpp"

#include <algorithm>

#include "common/strings.hpp"

namespace mend::cli {

namespace {

constexpr int64_t kMaxTimeoutSeconds = 432000;  // 5 days: what Ibex and mend-server refuse above

}  // namespace

std::vector<std::string> parse_host_list(const std::string& hosts) {
  std::vector<std::string> out;
  for (const auto& part : split(hosts, ",")) {
    std::string host = trim(part);
    if (host.empty()) continue;
    if (std::find(out.begin(), out.end(), host) != out.end()) continue;
    out.push_back(std::move(host));
  }
  return out;
}

std::string default_title(const std::string& script_path) {
  if (script_path == "-") return "mendctl stdin";
  std::string_view path = script_path;
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto slash = path.rfind('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  return "mendctl " + std::string(path);
}

Result<nlohmann::json> build_task_form(const RunOptions& options, const std::string& script,
                                       const std::string& stdin_text, const std::string& creator) {
  auto hosts = parse_host_list(options.hosts);
  if (hosts.empty()) return make_error(ErrorCode::invalid_input, "--hosts names no host");
  if (options.batch < 0) return make_error(ErrorCode::invalid_input, "--batch must be >= 0");
  if (options.tolerance < 0) {
    return make_error(ErrorCode::invalid_input, "--tolerance must be >= 0");
  }
  if (options.timeout_s < 0 || options.timeout_s > kMaxTimeoutSeconds) {
    return make_error(
        ErrorCode::invalid_input,
        "--timeout must be between 0 and " + std::to_string(kMaxTimeoutSeconds) + " seconds");
  }
  if (trim(options.account).empty()) {
    return make_error(ErrorCode::invalid_input, "--account must not be empty");
  }
  if (trim(script).empty()) return make_error(ErrorCode::invalid_input, "the script is empty");
  std::string title =
      trim(options.title).empty() ? default_title(options.script_path) : options.title;
  return nlohmann::json{
      {"title", title},
      {"account", trim(options.account)},
      {"batch", options.batch},
      {"tolerance", options.tolerance},
      {"timeout", options.timeout_s},
      {"pause", join(parse_host_list(options.pause), ",")},
      {"script", script},
      {"args", options.args},
      {"stdin", stdin_text},
      {"action", "start"},
      {"creator", creator},
      {"hosts", hosts},
  };
}

}  // namespace mend::cli
