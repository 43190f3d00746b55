#pragma once
// One table of settings per program, from which its flags, its TOML config
// keys, their defaults, --help and the unknown-key check all come, so adding
// a setting is one row (and the struct member it fills).
//
// Each row names a member of the program's settings struct S. A setting is
// read, later winning: S's default, the TOML file named by --config (key
// `kill_deadline_ms`), the environment variable if the row names one, the
// flag (`--kill-deadline-ms`). A flag given replaces a list's whole value.
// A list may also be given in the file as a table of strings, `[labels]`
// then `env = "prod"`, which reads as the list ["env=prod"] (what repeated
// `--label env=prod` flags give).
// Unknown keys and values of the wrong type in the file are refused, so a
// typo fails at start instead of being silently ignored.
//
// A row marked `from_file` (a secret) also takes the path of a file holding
// its value: `--agent-token-file PATH` or `agent_token_file = "PATH"` (and
// `MEND_AGENT_TOKEN_FILE` when the row reads `MEND_AGENT_TOKEN`), so the secret
// stays off command lines and out of the config. A string's file holds one
// non-empty line; a list's file one value a line (`--api-token-file`: a token
// a line). Files are read by common/secret_file.hpp. Giving both forms at one
// level (two flags, two keys, two variables) is refused. A secret given as a
// flag works but is warned about (every local user sees it in ps), and so is
// a secret file, or a config file holding a secret, that others may read.
//
// Rows check only what needs no other setting (types, bounds, required);
// what a value means (an address, a CIDR) is checked where it is used.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/result.hpp"

namespace mend {

template <class S>
using SettingField =
    std::variant<std::string S::*, int64_t S::*, std::vector<std::string> S::*, bool S::*>;

template <class S>
struct Setting {
  const char*
      key;  // the TOML key, snake_case; the flag is `--` + key with '-' for '_' unless `flag` says
  SettingField<S> field;
  const char* help;
  const char* flag = nullptr;  // e.g. "--api-token" for key "api_tokens"
  const char* default_text =
      nullptr;                // for --help when the default is not the value itself ("8 MiB")
  const char* env = nullptr;  // environment variable read when the flag is absent
  int64_t min = std::numeric_limits<int64_t>::min();  // integers only
  int64_t max = std::numeric_limits<int64_t>::max();
  bool in_file = true;     // false: a flag only (--ready-file, --check-config)
  bool required = false;   // must be set by the flag or the file
  bool from_file = false;  // strings and lists: also `<flag>-file PATH` and `<key>_file = "PATH"`
};

// What the program says about itself in --help and --version.
struct SettingsProgram {
  std::string name;  // "mend-server"
  std::string description;
  std::string version;
};

// The table with its member pointers turned into pointers into one S, so the
// reading itself is not a template.
using SettingTarget = std::variant<std::string*, int64_t*, std::vector<std::string>*, bool*>;
struct BoundSetting {
  const char* key;
  SettingTarget target;
  const char* help;
  const char* flag;
  const char* default_text;
  const char* env;
  int64_t min;
  int64_t max;
  bool in_file;
  bool required;
  bool from_file;
};

template <class S>
std::vector<BoundSetting> bind_settings(const std::vector<Setting<S>>& table, S& s) {
  std::vector<BoundSetting> out;
  out.reserve(table.size());
  for (const auto& row : table) {
    SettingTarget target =
        std::visit([&](auto member) -> SettingTarget { return &(s.*member); }, row.field);
    out.push_back(BoundSetting{row.key, target, row.help, row.flag, row.default_text, row.env,
                               row.min, row.max, row.in_file, row.required, row.from_file});
  }
  return out;
}

// "--kill-deadline-ms" for a row of key "kill_deadline_ms" (or the row's own flag).
std::string flag_name(const BoundSetting& row);

// Reads argv and the --config file into `values`, which hold the defaults on
// entry. Returns nullopt to go on, or the code the program exits with: 0
// after --help or --version, 2 after a usage error (already printed).
// Warnings (secrets on the command line or in files others may read) are
// appended to `warnings`, for the program to log once its logging is set up.
std::optional<int> read_settings(const SettingsProgram& program,
                                 const std::vector<BoundSetting>& values, int argc,
                                 const char* const* argv,
                                 std::vector<std::string>* warnings = nullptr);

// Reads the TOML file `path` into `values` (no flags, no bounds). Errors:
// invalid_input naming the file and the line or the key. Warnings as above.
Result<void> read_settings_file(const std::string& path, const std::vector<BoundSetting>& values,
                                std::vector<std::string>* warnings = nullptr);

// What each row can check alone (bounds, required): the first problem, or
// nullopt. read_settings calls it; so does code handed settings directly.
std::optional<std::string> check_settings(const std::vector<BoundSetting>& values);

// Every key read from files, commented out, each under its help and default:
// what --print-config prints, and the base of the packaged config files.
std::string print_settings_file(const std::vector<BoundSetting>& values);

// The TOML keys of the rows read from files, comma-separated: for messages.
std::string settings_file_keys(const std::vector<BoundSetting>& values);

// Read settings, or the code to exit with (see read_settings above).
template <class S>
struct SettingsRead {
  std::optional<S> settings;
  int exit_code = 0;
  std::vector<std::string> warnings;  // to log once logging is set up
};

template <class S>
SettingsRead<S> read_settings(const SettingsProgram& program, const std::vector<Setting<S>>& table,
                              int argc, const char* const* argv, S defaults = S{}) {
  SettingsRead<S> out;
  if (auto code = read_settings(program, bind_settings(table, defaults), argc, argv, &out.warnings)) {
    out.exit_code = *code;
    return out;
  }
  out.settings = std::move(defaults);
  return out;
}

}  // namespace mend
