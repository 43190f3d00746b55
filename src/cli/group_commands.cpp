// mendctl groups and templates run: thin over /api/v1/groups and
// /api/v1/templates/NAME/run.
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/json_cells.hpp"
#include "cli/server_url.hpp"
#include "cli/table.hpp"
#include "common/encoding.hpp"
#include "common/strings.hpp"

namespace mend::cli {

namespace {

using nlohmann::json;

std::string group_path(const std::string& name) { return "/api/v1/groups/" + url_encode(name); }

}  // namespace

int groups_list_command(const ServerApi& api, Console& console) {
  auto groups = api.request(Method::get, "/api/v1/groups");
  if (!groups) return report_error(console, groups.error());
  if (console.json) return print_json(console, *groups);
  std::vector<std::vector<std::string>> rows;
  for (const auto& g : *groups)
    rows.push_back({cell(g, "name"), cell_list(g["hosts"]), cell(g, "labels").empty() ? "-" : cell(g, "labels"),
                    cell(g, "access"), cell(g, "description")});
  console.out << format_table({"NAME", "HOSTS", "LABELS", "YOUR ACCESS", "DESCRIPTION"}, rows);
  return kExitOk;
}

int groups_show_command(const ServerApi& api, const std::string& name, Console& console) {
  auto g = api.request(Method::get, group_path(name));
  if (!g) return report_error(console, g.error());
  if (console.json) return print_json(console, *g);
  console.out << "group " << cell(*g, "name") << ": hosts " << cell_list((*g)["hosts"]);
  if (!cell(*g, "labels").empty()) console.out << "; agents labelled " << cell(*g, "labels");
  console.out << "\n";
  if (!cell(*g, "description").empty()) console.out << cell(*g, "description") << "\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& x : (*g)["grants"]) rows.push_back({cell(x, "user"), cell(x, "access")});
  console.out << format_table({"USER", "ACCESS"}, rows);
  return kExitOk;
}

int groups_save_command(const ServerApi& api, const std::string& name, const std::optional<std::string>& hosts,
                        const std::optional<std::string>& description, bool create, Console& console,
                        const std::optional<std::string>& labels) {
  json body = json::object();
  if (create) body["name"] = name;
  if (hosts) body["hosts"] = split_nonempty(*hosts, ",");
  if (description) body["description"] = *description;
  if (labels) body["labels"] = *labels;
  auto g = create ? api.request(Method::post, "/api/v1/groups", body) : api.request(Method::put, group_path(name), body);
  if (!g) return report_error(console, g.error());
  console.out << (create ? "created" : "updated") << " group " << cell(*g, "name") << ": hosts " << cell_list((*g)["hosts"]);
  if (!cell(*g, "labels").empty()) console.out << "; agents labelled " << cell(*g, "labels");
  console.out << "\n";
  return kExitOk;
}

int groups_delete_command(const ServerApi& api, const std::string& name, Console& console) {
  auto done = api.request(Method::del, group_path(name));
  if (!done) return report_error(console, done.error());
  console.out << "deleted group " << name << "\n";
  return kExitOk;
}

int groups_grant_command(const ServerApi& api, const std::string& name, const std::string& user,
                         const std::string& access, Console& console) {
  const std::string path = group_path(name) + "/grants/" + url_encode(user);
  if (access == "none") {
    auto done = api.request(Method::del, path);
    if (!done) return report_error(console, done.error());
    console.out << user << " has no access to group " << name << " now\n";
    return kExitOk;
  }
  auto g = api.request(Method::put, path, json{{"access", access}});
  if (!g) return report_error(console, g.error());
  console.out << cell(*g, "user") << " has " << cell(*g, "access") << " access to group " << cell(*g, "group") << "\n";
  return kExitOk;
}

int template_run_command(const ServerApi& api, const std::string& name, const std::string& hosts, Console& console) {
  auto t = api.request(Method::post, "/api/v1/templates/" + url_encode(name) + "/run",
                       json{{"hosts", split_nonempty(hosts, ",")}});
  if (!t) return report_error(console, t.error());
  console.out << "task " << cell(*t, "id") << ": template " << cell(*t, "template") << " on " << cell_list((*t)["hosts"]) << "\n";
  return kExitOk;
}

}  // namespace mend::cli
