#include "cli/commands.hpp"
#include "cli/text_source.hpp"

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
  auto id = api.create_task(*form);
  if (!id) return report_error(console, id.error());
  if (options.no_wait) {
    console.out << *id << '\n';
    return kExitOk;
  }
  console.out << "task " << *id << " created: " << (*form)["title"].get<std::string>() << '\n';
  return follow_task(api, *id, console, follow);
}

}  // namespace mend::cli
