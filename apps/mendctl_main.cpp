// mendctl: the command line for people. Wiring only: options are parsed here
// and handed to the commands in src/cli/.
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <tuple>
#include <utility>

#include "cli/basic_auth.hpp"
#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "cli/time_format.hpp"
#include "tls/tls_context.hpp"
#include "common/secret_file.hpp"

namespace {

using namespace mend::cli;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

// True when argv names `flag` itself ("--token x" or "--token=x"), not only
// the environment variable that also fills it.
bool given_on_command_line(int argc, char** argv, const std::string& flag) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == flag || a.rfind(flag + "=", 0) == 0) return true;
  }
  return false;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mendctl: run scripts on many hosts and manage Mend (and Ibex) tasks"};
  app.set_version_flag("--version", std::string("mendctl ") + MEND_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 success; 1 the task ran and some host did not succeed;\n"
      "2 usage, connection or server error; 3 the task paused (failures past its tolerance);\n"
      "130 stopped following with Ctrl-C.");
  app.fallthrough();

  std::string server = "https://127.0.0.1:10090";
  std::string user;
  int64_t timeout_ms = 10000;
  app.add_option("--server", server, "server URL")->envname("MEND_SERVER")->capture_default_str();
  app.add_option("--user", user, "basic auth USER:PASS")->envname("MEND_BASIC_AUTH");
  std::string user_file;
  app.add_option("--user-file", user_file, "file holding USER:PASS (safer than --user: not shown by ps)")
      ->envname("MEND_BASIC_AUTH_FILE");
  std::string token;
  app.add_option("--token", token, "bearer token (mendctl tokens create, or a server --api-token); instead of --user")->envname("MEND_API_TOKEN");
  std::string cacert;
  app.add_option("--cacert", cacert, "PEM file of the CA to verify an https:// server against (Mend's CA: "
                                     "mend-server --ca-out); default: the system's CAs")
      ->envname("MEND_CACERT");
  std::string token_file;
  app.add_option("--token-file", token_file, "file holding the bearer token (safer than --token: not shown by ps)")
      ->envname("MEND_API_TOKEN_FILE");
  std::string output_format = "text";
  app.add_option("-o,--output-format", output_format, "text, or json: read commands print the server's answer")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  bool utc = false;
  app.add_flag("--utc", utc, "print times in UTC (default: the local time zone, with its offset)")->envname("MEND_UTC");
  app.add_option("--timeout-ms", timeout_ms, "timeout of each HTTP request")
      ->check(CLI::Range(int64_t{1}, int64_t{3'600'000}))
      ->capture_default_str();

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "run a script on hosts and follow the task");
  run_cmd->add_option("--hosts", run.hosts, "comma-separated host idents")->required();
  run_cmd->add_option("--batch", run.batch, "hosts running at once (0: all)")
      ->check(CLI::NonNegativeNumber);
  run_cmd->add_option("--tolerance", run.tolerance, "failed hosts tolerated before pausing")
      ->check(CLI::NonNegativeNumber);
  run_cmd->add_option("--account", run.account, "account the script runs as")
      ->capture_default_str();
  run_cmd->add_option("--timeout", run.timeout_s, "script timeout in seconds (0: 30)")
      ->check(CLI::Range(int64_t{0}, int64_t{432000}));
  run_cmd->add_option("--args", run.args, "script arguments, separated by ',,'");
  run_cmd->add_option("--stdin-file", run.stdin_file,
                      "file given to the script on stdin ('-': ours)");
  run_cmd->add_option("--title", run.title, "task title (default: mendctl <script name>)");
  run_cmd->add_option("--pause", run.pause, "comma-separated hosts after which the task pauses");
  run_cmd->add_flag("--no-wait", run.no_wait, "print the task id and exit");
  run_cmd->add_option("script", run.script_path, "script file, or - for stdin")->required();

  auto* task_cmd = app.add_subcommand("task", "show, list and act on tasks");
  task_cmd->require_subcommand(1);
  int64_t task_id = 0;
  bool with_output = false;
  auto* show_cmd = task_cmd->add_subcommand("show", "show a task and its hosts");
  show_cmd->add_option("id", task_id, "task id")->required();
  show_cmd->add_flag("--output", with_output, "also print each host's stdout and stderr");

  auto* watch_cmd = task_cmd->add_subcommand("watch", "follow a task until it is done, as run does");
  watch_cmd->add_option("id", task_id, "task id")->required();
  bool rerun_no_wait = false;
  auto* rerun_cmd = task_cmd->add_subcommand(
      "rerun", "run a finished task again on the hosts that did not succeed, as a new task linked to it");
  rerun_cmd->add_option("id", task_id, "task id")->required();
  rerun_cmd->add_flag("--no-wait", rerun_no_wait, "print the new task's id and exit");

  std::string action;
  auto* task_action_cmd = task_cmd->add_subcommand("action", "start, pause, cancel or kill a task");
  task_action_cmd->add_option("id", task_id, "task id")->required();
  task_action_cmd->add_option("action", action, "start|pause|cancel|kill")
      ->required()
      ->check(CLI::IsMember({"start", "pause", "cancel", "kill"}));

  std::string query;
  int limit = 20;
  auto* list_cmd = task_cmd->add_subcommand("list", "list recent tasks");
  list_cmd->add_option("--query", query, "title filter");
  list_cmd->add_option("--limit", limit, "how many tasks")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();

  auto* host_cmd = app.add_subcommand("host", "act on one host of a task");
  host_cmd->require_subcommand(1);
  std::string host;
  auto* host_action_cmd = host_cmd->add_subcommand("action", "ignore, kill or redo a host");
  host_action_cmd->add_option("id", task_id, "task id")->required();
  host_action_cmd->add_option("host", host, "host ident")->required();
  host_action_cmd->add_option("action", action, "ignore|kill|redo")
      ->required()
      ->check(CLI::IsMember({"ignore", "kill", "redo"}));

  auto* agents_cmd = app.add_subcommand("agents", "list connected agents (and enroll, revoke)");
  JoinTokenOptions join;
  std::string join_ttl = "1h";
  auto* join_cmd = agents_cmd->add_subcommand(
      "join-token", "make a join token: one host, once (--host), or up to --max-hosts matching --pattern");
  join_cmd->add_option("--host", join.host, "the one host name this token enrolls");
  join_cmd->add_option("--pattern", join.pattern, "a glob of host names, e.g. 'web-*' (with --max-hosts)");
  join_cmd->add_option("--max-hosts", join.max_hosts, "how many hosts may enroll with a --pattern token")
      ->capture_default_str();
  join_cmd->add_option("--ttl", join_ttl, "validity: 90s, 15m, 1h, 7d")->capture_default_str();
  std::string revoke_host;
  auto* revoke_cmd = agents_cmd->add_subcommand("revoke", "revoke HOST's certificates and close its connections");
  revoke_cmd->add_option("host", revoke_host, "the agent's ident")->required();
  std::string revoke_token_id;
  auto* revoke_token_cmd =
      agents_cmd->add_subcommand("revoke-token", "end a join token now (hosts that enrolled keep their certificates)");
  revoke_token_cmd->add_option("id", revoke_token_id, "the token's id (the second part of the token)")->required();
  bool repair = false;
  auto* doctor_cmd = app.add_subcommand("doctor", "check the database's invariants (the repair loop's check)");
  doctor_cmd->add_flag("--repair", repair, "repair what can be repaired");

  auto* heal_cmd = app.add_subcommand("heal", "alert self-healing: decisions and per-rule outcomes");
  heal_cmd->require_subcommand(1);
  HealRecordFilter records;
  auto* heal_records_cmd = heal_cmd->add_subcommand("records", "list heal decisions, newest first");
  heal_records_cmd->add_option("--rule", records.rule, "only this rule");
  heal_records_cmd->add_option("--host", records.host, "only this host");
  heal_records_cmd->add_option("--decision", records.decision,
                               "only this decision (ran, duplicate, cooldown, storm_cap, breaker_open, dry_run, "
                               "no_rule, no_host, host_unknown, recovered)");
  heal_records_cmd->add_option("--since", records.since,
                               "from this time: epoch ms, RFC 3339, or a duration before now (15m, 2h, 7d)");
  heal_records_cmd->add_option("--until", records.until, "before this time (same forms as --since)");
  heal_records_cmd->add_option("--limit", records.limit, "how many records")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  int64_t minutes = 10;
  auto* heal_rules_cmd = heal_cmd->add_subcommand("rules", "per-rule runs, outcomes and breaker state");
  heal_rules_cmd->add_option("--minutes", minutes, "count resolutions within this many minutes of a successful run")
      ->check(CLI::Range(int64_t{0}, int64_t{525600}))
      ->capture_default_str();
  std::string rules_path;
  std::vector<std::string> known_templates;
  auto* check_rules_cmd = heal_cmd->add_subcommand("check-rules", "check a rules file offline, as the server would");
  check_rules_cmd->add_option("file", rules_path, "rules YAML file")->required();
  check_rules_cmd->add_option("--template", known_templates,
                              "a template defined through the API that the file may name (repeatable)");
  auto* reload_cmd = app.add_subcommand("reload", "make the server reread its rules file (as SIGHUP does)");
  std::string rule;
  auto* heal_close_cmd = heal_cmd->add_subcommand("close-breaker", "close a rule's open circuit breaker");
  heal_close_cmd->add_option("rule", rule, "rule name")->required();

  // Users, tokens, audit (src/cli/account_commands.cpp).
  auto* users_cmd = app.add_subcommand("users", "users and service accounts (user.manage)");
  users_cmd->require_subcommand(1);
  std::string user_name, user_role = "viewer", user_kind = "user";
  auto* users_list_cmd = users_cmd->add_subcommand("list", "list users");
  auto* users_add_cmd = users_cmd->add_subcommand("add", "add a user (password read from stdin) or a service account");
  users_add_cmd->add_option("name", user_name, "user name")->required();
  users_add_cmd->add_option("--role", user_role, "admin, operator or viewer")->capture_default_str();
  users_add_cmd->add_flag_callback("--service", [&] { user_kind = "service"; }, "a service account: tokens, no password");
  auto* users_set_cmd = users_cmd->add_subcommand("set", "change a user's role, or disable or enable it");
  users_set_cmd->add_option("name", user_name, "user name")->required();
  std::string set_role;
  bool set_disable = false, set_enable = false;
  users_set_cmd->add_option("--role", set_role, "admin, operator or viewer");
  users_set_cmd->add_flag("--disable", set_disable, "sign the user out and refuse its password and tokens");
  users_set_cmd->add_flag("--enable", set_enable, "undo --disable");
  auto* users_passwd_cmd = users_cmd->add_subcommand("passwd", "set a user's password (read from stdin)");
  users_passwd_cmd->add_option("name", user_name, "user name")->required();

  auto* tokens_cmd = app.add_subcommand("tokens", "API tokens: yours, or --for USER's (user.manage)");
  tokens_cmd->require_subcommand(1);
  std::string token_for, token_name, token_scopes;
  int64_t token_ttl_days = 90, token_id = 0;
  tokens_cmd->add_option("--for", token_for, "another user's or a service account's tokens");
  auto* tokens_list_cmd = tokens_cmd->add_subcommand("list", "list tokens");
  auto* tokens_create_cmd = tokens_cmd->add_subcommand("create", "create a token; prints it once");
  tokens_create_cmd->add_option("name", token_name, "what it is for, e.g. alertmanager")->required();
  tokens_create_cmd->add_option("--scopes", token_scopes,
                                "comma-separated permissions, e.g. alert.post (default: the owner's whole role)");
  tokens_create_cmd->add_option("--ttl-days", token_ttl_days, "days until it expires (0: never)")->capture_default_str();
  auto* tokens_revoke_cmd = tokens_cmd->add_subcommand("revoke", "revoke a token");
  tokens_revoke_cmd->add_option("id", token_id, "token id")->required();

  // Host groups and running templates (src/cli/group_commands.cpp).
  auto* groups_cmd = app.add_subcommand("groups", "host groups and who may run templates on them");
  groups_cmd->require_subcommand(1);
  std::string group_name, grant_user, grant_access, group_hosts, group_description, group_labels;
  std::vector<CLI::Option*> group_hosts_opts, group_description_opts, group_labels_opts;
  auto* groups_list_cmd = groups_cmd->add_subcommand("list", "list groups and your access to each");
  auto* groups_show_cmd = groups_cmd->add_subcommand("show", "a group's hosts and grants");
  groups_show_cmd->add_option("name", group_name, "group name")->required();
  auto* groups_add_cmd = groups_cmd->add_subcommand("add", "add a group (user.manage)");
  auto* groups_set_cmd =
      groups_cmd->add_subcommand("set", "change a group's hosts, labels or description (user.manage)");
  for (auto* c : {groups_add_cmd, groups_set_cmd}) {
    c->add_option("name", group_name, "group name")->required();
    group_hosts_opts.push_back(
        c->add_option("--hosts", group_hosts, "comma-separated host names or globs, e.g. 'web-*,db-01'"));
    group_description_opts.push_back(c->add_option("--description", group_description, "what the group is"));
    group_labels_opts.push_back(c->add_option(
        "--labels", group_labels,
        "label selector: hosts whose agent reports all of these are in the group too, e.g. 'env=prod,team=db' "
        "('' clears it)"));
  }
  // What `groups set` was given: the rest stays as it is.
  auto given = [](const std::vector<CLI::Option*>& opts, const std::string& v) {
    for (auto* o : opts)
      if (o->count() > 0) return std::optional<std::string>(v);
    return std::optional<std::string>();
  };
  auto* groups_delete_cmd = groups_cmd->add_subcommand("delete", "delete a group (user.manage)");
  groups_delete_cmd->add_option("name", group_name, "group name")->required();
  auto* groups_grant_cmd = groups_cmd->add_subcommand("grant", "give a user read or write access to a group (user.manage)");
  groups_grant_cmd->add_option("name", group_name, "group name")->required();
  groups_grant_cmd->add_option("user", grant_user, "user name")->required();
  groups_grant_cmd->add_option("access", grant_access, "read, write, or none to remove")
      ->required()
      ->check(CLI::IsMember({"read", "write", "none"}));
  auto* templates_cmd = app.add_subcommand("templates", "saved templates");
  templates_cmd->require_subcommand(1);
  std::string template_name, template_hosts;
  auto* templates_run_cmd = templates_cmd->add_subcommand("run", "run a saved template on hosts");
  templates_run_cmd->add_option("name", template_name, "template name")->required();
  templates_run_cmd->add_option("--hosts", template_hosts, "comma-separated host names")->required();

  auto* audit_cmd = app.add_subcommand("audit", "the audit log (audit.read): list, export, verify");
  AuditFilter audit;
  audit_cmd->add_option("--actor", audit.actor, "only this user or service");
  audit_cmd->add_option("--action", audit.action, "exact action, or a prefix ending in '.' (task.)");
  audit_cmd->add_option("--target", audit.target, "only this target");
  audit_cmd->add_option("--outcome", audit.outcome, "ok, refused or failed");
  audit_cmd->add_option("--since", audit.since, "ms, RFC 3339, or a duration before now (15m, 2h, 7d)");
  audit_cmd->add_option("--until", audit.until, "same forms as --since");
  audit_cmd->add_option("--limit", audit.limit, "how many records")->check(CLI::Range(1, 1000))->capture_default_str();
  auto* audit_export_cmd = audit_cmd->add_subcommand("export", "every record as JSON lines, oldest first");
  auto* audit_verify_cmd = audit_cmd->add_subcommand("verify", "recompute the hash chain: exit 1 if broken");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitError;
  }

  Console console{std::cout, std::cerr, isatty(STDOUT_FILENO) == 1, output_format == "json", utc};
  // Offline: no server, no credentials.
  if (check_rules_cmd->parsed()) return check_rules_command(rules_path, known_templates, console);
  auto url = parse_server_url(server);
  if (!url) return report_error(console, url.error());
  HttpClientOptions http_options;
  http_options.timeout = std::chrono::milliseconds(timeout_ms);
  const std::pair<std::string, std::string> secret_flags[] = {{"--token", "--token-file or MEND_API_TOKEN_FILE"},
                                                              {"--user", "--user-file or MEND_BASIC_AUTH_FILE"}};
  for (const auto& [flag, safer] : secret_flags) {
    if (given_on_command_line(argc, argv, flag))
      console.err << "mendctl: warning: " << mend::secret_flag_warning(flag, safer) << '\n';
  }
  // A file replaces the secret from the environment, but not one given as a flag next to it.
  for (auto [file, value, what, flag] : {std::tuple{&token_file, &token, "--token-file", "--token"},
                                         std::tuple{&user_file, &user, "--user-file", "--user"}}) {
    if (file->empty()) continue;
    if (given_on_command_line(argc, argv, flag))
      return report_error(console, mend::make_error(mend::ErrorCode::invalid_input,
                                                    std::string("give ") + what + " or " + flag + ", not both"));
    std::string warning;
    auto secret = mend::read_one_secret(*file, what, &warning);
    if (!secret) return report_error(console, secret.error());
    if (!warning.empty()) console.err << "mendctl: warning: " << warning << '\n';
    *value = std::move(*secret);
  }
  if (!cacert.empty()) {
    auto pem = mend::tls::read_pem_file(cacert);
    if (!pem) return report_error(console, pem.error());
    http_options.ca_pem = std::move(*pem);
  }
  if (!token.empty() && !user.empty())
    return report_error(console, mend::make_error(mend::ErrorCode::invalid_input, "give --user or --token, not both"));
  if (!token.empty()) {
    http_options.authorization = "Bearer " + token;
  } else if (!user.empty()) {
    auto header = basic_auth_header(user);
    if (!header) return report_error(console, header.error());
    http_options.authorization = std::move(*header);
  }
  HttpClient http(std::move(*url), std::move(http_options));
  ServerApi api(http);

  if (run_cmd->parsed()) {
    FollowOptions follow;
    follow.interrupted = &install_interrupt_flag();
    return run_command(api, run, env_or("USER", "mendctl"), std::cin, console, follow);
  }
  if (show_cmd->parsed()) return task_show_command(api, task_id, with_output, console);
  if (watch_cmd->parsed() || rerun_cmd->parsed()) {
    FollowOptions follow;
    follow.interrupted = &install_interrupt_flag();
    if (watch_cmd->parsed()) return task_watch_command(api, task_id, console, follow);
    return task_rerun_command(api, task_id, env_or("USER", "mendctl"), rerun_no_wait, console, follow);
  }
  if (task_action_cmd->parsed()) return task_action_command(api, task_id, action, console);
  if (list_cmd->parsed()) return task_list_command(api, query, limit, console);
  if (host_action_cmd->parsed()) {
    return host_action_command(api, task_id, host, action, console);
  }
  if (join_cmd->parsed()) {
    auto ttl = duration_ms(join_ttl);
    if (!ttl || *ttl < 1000)
      return report_error(console, mend::make_error(mend::ErrorCode::invalid_input,
                                                    "--ttl must be like 90s, 15m, 1h or 7d"));
    join.ttl_s = *ttl / 1000;
    return join_token_command(api, join, console);
  }
  if (revoke_cmd->parsed()) return revoke_agent_command(api, revoke_host, console);
  if (revoke_token_cmd->parsed()) return revoke_join_token_command(api, revoke_token_id, console);
  if (agents_cmd->parsed()) return agents_command(api, now_ms(), console);
  if (doctor_cmd->parsed()) return doctor_command(api, repair, console);
  if (heal_records_cmd->parsed()) return heal_records_command(api, records, now_ms(), console);
  if (heal_rules_cmd->parsed()) return heal_rules_command(api, minutes, now_ms(), console);
  if (reload_cmd->parsed()) return reload_command(api, console);
  if (heal_close_cmd->parsed()) return heal_close_breaker_command(api, rule, console);
  auto read_password = [&]() {
    std::string pw;
    if (isatty(STDIN_FILENO)) std::cerr << "password: " << std::flush;
    std::getline(std::cin, pw);
    return pw;
  };
  if (users_list_cmd->parsed()) return users_list_command(api, console);
  if (users_add_cmd->parsed())
    return users_add_command(api, user_name, user_kind, user_role, user_kind == "user" ? read_password() : "",
                             console);
  if (users_set_cmd->parsed()) {
    std::optional<bool> disabled;
    if (set_disable) disabled = true;
    if (set_enable) disabled = false;
    return users_set_command(api, user_name, set_role, "", disabled, console);
  }
  if (users_passwd_cmd->parsed()) return users_set_command(api, user_name, "", read_password(), std::nullopt, console);
  if (tokens_list_cmd->parsed()) return tokens_list_command(api, token_for, now_ms(), console);
  if (tokens_create_cmd->parsed())
    return tokens_create_command(api, token_for, token_name, token_scopes, token_ttl_days, console);
  if (tokens_revoke_cmd->parsed()) return tokens_revoke_command(api, token_for, token_id, console);
  if (groups_list_cmd->parsed()) return groups_list_command(api, console);
  if (groups_show_cmd->parsed()) return groups_show_command(api, group_name, console);
  if (groups_add_cmd->parsed() || groups_set_cmd->parsed())
    return groups_save_command(api, group_name, given(group_hosts_opts, group_hosts),
                               given(group_description_opts, group_description), groups_add_cmd->parsed(), console,
                               given(group_labels_opts, group_labels));
  if (groups_delete_cmd->parsed()) return groups_delete_command(api, group_name, console);
  if (groups_grant_cmd->parsed()) return groups_grant_command(api, group_name, grant_user, grant_access, console);
  if (templates_run_cmd->parsed()) return template_run_command(api, template_name, template_hosts, console);
  if (audit_export_cmd->parsed()) return audit_export_command(api, console);
  if (audit_verify_cmd->parsed()) return audit_verify_command(api, console);
  if (audit_cmd->parsed()) return audit_list_command(api, audit, now_ms(), console);
  std::cerr << app.help();
  return kExitError;
}
