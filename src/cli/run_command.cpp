#include "cli/commands.hpp"
#include "cli/text_source.hpp"
#include "common/strings.hpp"

namespace mend::cli {

int run_command(const ServerApi& api, const RunOptions& options, const std::string& creator,
                std::istream& stdin_stream, Console& console, const FollowOptions& follow) {
  if (options.script_path == "-" && options.stdin_file == "-") {
    return report_error(console, make_error(ErrorCode::invalid_input,
                                            "the script and --stdin-file cannot both be '-'"));
  }
  auto script = read_text_source(options.script_path, stdin_stream);
  if (!script) return report_error(console, script.error());
  std::string stdin_text;
  if (!options.stdin_file.empty()) {
    auto text = read_text_source(options.stdin_file, stdin_stream);
    if (!text) return report_error(console, text.error());
    stdin_text = std::move(*text);
  }
  auto form = build_task_form(options, *script, stdin_text, creator);
  if (!form) return report_error(console, form.error());
  auto created = api.create_task(*form);
  if (!created) return report_error(console, created.error());
  for (const auto& w : created->warnings) console.err << "mendctl: warning: " << w << '\n';
  if (options.no_wait) {
    console.out << created->id << '\n';
    return kExitOk;
  }
  console.out << "task " << created->id << " created: " << (*form)["title"].get<std::string>() << '\n';
  return follow_task(api, created->id, console, follow);
}

int task_watch_command(const ServerApi& api, int64_t id, Console& console, const FollowOptions& follow) {
  return follow_task(api, id, console, follow);
}

int task_rerun_command(const ServerApi& api, int64_t id, const std::string& creator, bool no_wait, Console& console,
                       const FollowOptions& follow) {
  auto created = api.rerun_task(id, creator);
  if (!created) return report_error(console, created.error());
  for (const auto& w : created->warnings) console.err << "mendctl: warning: " << w << '\n';
  if (no_wait) {
    console.out << created->id << '\n';
    return kExitOk;
  }
  console.out << "task " << created->id << " created: rerun of task " << id << " on " << created->hosts.size()
              << (created->hosts.size() == 1 ? " host" : " hosts") << " that did not succeed ("
              << join(created->hosts, ", ") << ")\n";
  return follow_task(api, created->id, console, follow);
}

}  // namespace mend::cli
