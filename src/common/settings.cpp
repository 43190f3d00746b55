#include "common/settings.hpp"

#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "common/secret_file.hpp"

namespace mend {

namespace {

constexpr int kExitUsage = 2;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// What --help says the default is: the row's own words, else the value
// itself when it says something (a non-empty string, any number).
std::string default_for_help(const BoundSetting& row) {
  if (row.default_text) return row.default_text;
  return std::visit(
      Overloaded{[](std::string* s) { return *s; }, [](int64_t* n) { return std::to_string(*n); },
                 [](std::vector<std::string>*) { return std::string(); },
                 [](bool*) { return std::string(); }},
      row.target);
}

void warn(std::vector<std::string>* warnings, std::string warning) {
  if (warnings && !warning.empty()) warnings->push_back(std::move(warning));
}

// A from_file row's value from the file at `path`: a string's one line, a
// list's lines. `what` names the form in errors ("--agent-token-file").
Result<void> read_secret_into(const BoundSetting& row, const std::string& what,
                              const std::string& path, std::vector<std::string>* warnings) {
  if (auto* s = std::get_if<std::string*>(&row.target)) {
    std::string warning;
    MEND_ASSIGN_OR_RETURN(**s, read_one_secret(path, what, &warning));
    warn(warnings, std::move(warning));
    return ok();
  }
  if (auto* v = std::get_if<std::vector<std::string>*>(&row.target)) {
    MEND_ASSIGN_OR_RETURN(SecretLines lines, read_secret_lines(path, what));
    **v = std::move(lines.lines);
    warn(warnings, std::move(lines.warning));
    return ok();
  }
  return make_error(ErrorCode::invalid_input, what + ": only strings and lists come from files");
}

// True when argv names `flag` itself (`--x V` or `--x=V`): CLI11 counts an
// environment variable as the flag, and only the command line is visible in ps.
bool on_command_line(int argc, const char* const* argv, const std::string& flag) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == flag || a.rfind(flag + "=", 0) == 0) return true;
  }
  return false;
}

std::string help_for(const BoundSetting& row) {
  std::string help = row.help;
  std::string dflt = default_for_help(row);
  if (!dflt.empty()) help += " (default " + dflt + ")";
  if (row.in_file) help += " [config: " + std::string(row.key) + "]";
  return help;
}

// A TOML literal for a row's current (default) value.
std::string toml_value(const BoundSetting& row) {
  auto quote = [](const std::string& v) {
    std::string out = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  };
  return std::visit(Overloaded{[&](std::string* s) { return quote(*s); },
                               [](int64_t* n) { return std::to_string(*n); },
                               [&](std::vector<std::string>* v) {
                                 std::string out = "[";
                                 for (size_t i = 0; i < v->size(); ++i)
                                   out += (i ? ", " : "") + quote((*v)[i]);
                                 return out + "]";
                               },
                               [](bool* b) { return std::string(*b ? "true" : "false"); }},
                    row.target);
}

bool is_set(const BoundSetting& row) {
  return std::visit(
      Overloaded{[](std::string* s) { return !s->empty(); }, [](int64_t*) { return true; },
                 [](std::vector<std::string>* v) { return !v->empty(); },
                 [](bool*) { return true; }},
      row.target);
}

}  // namespace

std::optional<std::string> check_settings(const std::vector<BoundSetting>& values) {
  for (const auto& row : values) {
    const std::string key = row.key;
    if (row.required && !is_set(row)) {
      return flag_name(row) + " is required" +
             (row.in_file ? " (or " + key + " in the config file)" : "");
    }
    if (auto* n = std::get_if<int64_t*>(&row.target)) {
      if (**n < row.min) return key + " must be at least " + std::to_string(row.min);
      if (**n > row.max) return key + " must be at most " + std::to_string(row.max);
    }
  }
  return std::nullopt;
}

std::string flag_name(const BoundSetting& row) {
  if (row.flag) return row.flag;
  std::string out = "--";
  for (const char* p = row.key; *p; ++p) out += *p == '_' ? '-' : *p;
  return out;
}

std::string settings_file_keys(const std::vector<BoundSetting>& values) {
  std::string out;
  for (const auto& row : values) {
    if (!row.in_file) continue;
    if (!out.empty()) out += ", ";
    out += row.key;
    if (row.from_file) out += ", " + std::string(row.key) + "_file";
  }
  return out;
}

Result<void> read_settings_file(const std::string& path, const std::vector<BoundSetting>& values,
                                std::vector<std::string>* warnings) {
  auto invalid = [&](const std::string& what) {
    return make_error(ErrorCode::invalid_input, "config " + path + ": " + what);
  };
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return invalid(std::string(e.description()) + " (line " +
                   std::to_string(e.source().begin.line) + ")");
  }
  bool holds_secret = false;
  for (auto&& [k, node] : table) {
    const std::string key(k.str());
    const BoundSetting* row = nullptr;
    const BoundSetting* file_form = nullptr;
    for (const auto& r : values) {
      if (r.in_file && key == r.key) row = &r;
      if (r.in_file && r.from_file && key == std::string(r.key) + "_file") file_form = &r;
    }
    if (file_form) {
      if (table.contains(file_form->key))
        return invalid("give " + std::string(file_form->key) + " or " + key + ", not both");
      if (!node.is_string()) return invalid("key '" + key + "' must be a string");
      MEND_TRY(read_secret_into(*file_form, "config " + path + ": " + key, node.as_string()->get(),
                                warnings));
      continue;
    }
    if (!row)
      return invalid("unknown key '" + key + "' (known: " + settings_file_keys(values) + ")");
    if (row->from_file) holds_secret = true;
    auto wrong_type = [&](const char* want) {
      return invalid("key '" + key + "' must be " + want);
    };
    std::optional<Error> err =
        std::visit(Overloaded{[&](std::string* s) -> std::optional<Error> {
                                if (!node.is_string()) return wrong_type("a string");
                                *s = node.as_string()->get();
                                return std::nullopt;
                              },
                              [&](int64_t* n) -> std::optional<Error> {
                                if (!node.is_integer()) return wrong_type("an integer");
                                *n = node.as_integer()->get();
                                return std::nullopt;
                              },
                              [&](bool* b) -> std::optional<Error> {
                                if (!node.is_boolean()) return wrong_type("true or false");
                                *b = node.as_boolean()->get();
                                return std::nullopt;
                              },
                              [&](std::vector<std::string>* v) -> std::optional<Error> {
                                if (auto* t = node.as_table()) {
                                  // A table of strings: `[labels]` / `env = "prod"`
                                  // reads as the list "env=prod", as --label gives it.
                                  std::vector<std::string> out;
                                  for (auto&& [tk, tv] : *t) {
                                    if (!tv.is_string())
                                      return wrong_type("a list of strings or a table of strings");
                                    out.push_back(std::string(tk.str()) + "=" + tv.as_string()->get());
                                  }
                                  *v = std::move(out);
                                  return std::nullopt;
                                }
                                if (!node.is_array()) return wrong_type("a list of strings");
                                std::vector<std::string> out;
                                for (auto& e : *node.as_array()) {
                                  if (!e.is_string()) return wrong_type("a list of strings");
                                  out.push_back(e.as_string()->get());
                                }
                                *v = std::move(out);
                                return std::nullopt;
                              }},
                   row->target);
    if (err) return *err;
  }
  if (holds_secret) warn(warnings, others_may_read(path, "config"));
  return ok();
}

std::string print_settings_file(const std::vector<BoundSetting>& values) {
  std::string out;
  for (const BoundSetting& row : values) {
    if (!row.in_file) continue;
    std::string dflt = default_for_help(row);
    out += "\n# " + std::string(row.help) + (dflt.empty() ? "" : " (default " + dflt + ")") + "\n";
    out += "# " + std::string(row.key) + " = " + toml_value(row) + "\n";
    if (row.from_file) out += "# " + std::string(row.key) + "_file = \"/path/to/a/file/holding/it\"\n";
  }
  return out;
}

std::optional<int> read_settings(const SettingsProgram& program,
                                 const std::vector<BoundSetting>& values, int argc,
                                 const char* const* argv, std::vector<std::string>* warnings) {
  CLI::App app{program.name + ": " + program.description};
  app.set_version_flag("--version", program.version);
  std::string config_file;
  app.add_option("--config", config_file,
                 "TOML file with the keys named [config: ...] below; flags and environment "
                 "variables win over it");
  bool print_config = false;
  app.add_flag("--print-config", print_config,
               "print every config key, commented out with its help and default, and exit");

  // Flags land here first, so that the file (read after the command line,
  // since --config is a flag) cannot overwrite them.
  using Value = std::variant<std::string, int64_t, std::vector<std::string>, bool>;
  std::vector<Value> given(values.size());
  std::vector<CLI::Option*> options(values.size());
  std::vector<std::string> file_paths(values.size());
  std::vector<CLI::Option*> file_options(values.size(), nullptr);
  for (size_t i = 0; i < values.size(); ++i) {
    const BoundSetting& row = values[i];
    const std::string name = flag_name(row);
    const std::string help = help_for(row);
    CLI::Option* opt = std::visit(
        Overloaded{
            [&](std::string*) {
              return app.add_option(name, given[i].emplace<std::string>(), help);
            },
            [&](int64_t*) { return app.add_option(name, given[i].emplace<int64_t>(), help); },
            [&](std::vector<std::string>*) {
              return app.add_option(name, given[i].emplace<std::vector<std::string>>(), help);
            },
            [&](bool*) { return app.add_flag(name, given[i].emplace<bool>(), help); }},
        row.target);
    if (row.env) opt->envname(row.env);
    options[i] = opt;
    if (row.from_file && !std::holds_alternative<int64_t*>(row.target) &&
        !std::holds_alternative<bool*>(row.target)) {
      const bool list = std::holds_alternative<std::vector<std::string>*>(row.target);
      file_options[i] =
          app.add_option(name + "-file", file_paths[i],
                         (list ? "a file of " + name + " values, one a line"
                               : "a file holding " + name + "'s value") +
                             " (keeps it out of ps)" +
                             (row.in_file ? " [config: " + std::string(row.key) + "_file]" : ""));
      if (row.env) file_options[i]->envname(std::string(row.env) + "_FILE");
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  auto usage_error = [&](const std::string& message) {
    std::cerr << program.name << ": " << message << "\n";
    return kExitUsage;
  };
  if (print_config) {
    std::cout << print_settings_file(values);
    return 0;
  }
  if (!config_file.empty()) {
    if (auto r = read_settings_file(config_file, values, warnings); !r.ok())
      return usage_error(r.error().message);
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const BoundSetting& row = values[i];
    if (file_options[i]) {
      // A secret: its value or its file, from the command line, else from
      // the environment (CLI11 fills either option from its variable).
      const std::string name = flag_name(row);
      const bool value_flag = on_command_line(argc, argv, name);
      const bool file_flag = on_command_line(argc, argv, name + "-file");
      if (value_flag && file_flag) return usage_error("give " + name + " or " + name + "-file, not both");
      const std::string file_env = row.env ? std::string(row.env) + "_FILE" : "";
      const bool value_env = !value_flag && !file_flag && row.env && std::getenv(row.env);
      const bool file_from_env = !value_flag && !file_flag && row.env && std::getenv(file_env.c_str());
      if (value_env && file_from_env)
        return usage_error("give " + std::string(row.env) + " or " + file_env + ", not both");
      if (file_flag || file_from_env) {
        const std::string what = file_flag ? name + "-file" : file_env;
        if (auto r = read_secret_into(row, what, file_paths[i], warnings); !r.ok())
          return usage_error(r.error().message);
        continue;
      }
      if (value_flag) warn(warnings, secret_flag_warning(name, name + "-file"));
    }
    if (options[i]->count() == 0) continue;
    std::visit(Overloaded{[&](std::string* s) { *s = std::get<std::string>(given[i]); },
                          [&](int64_t* n) { *n = std::get<int64_t>(given[i]); },
                          [&](std::vector<std::string>* v) {
                            *v = std::get<std::vector<std::string>>(given[i]);
                          },
                          [&](bool* b) { *b = std::get<bool>(given[i]); }},
               values[i].target);
  }
  if (auto err = check_settings(values)) return usage_error(*err);
  return std::nullopt;
}

}  // namespace mend
