#include "cli/commands.hpp"
#include "cli/table.hpp"

namespace mend::cli {

int doctor_command(const ServerApi& api, bool repair, Console& console) {
  auto report = api.doctor(repair);
  if (!report) return report_error(console, report.error());
  const auto& findings = (*report)["findings"];
  if (!findings.is_array()) return report_error(console, make_error(ErrorCode::internal, "doctor: unexpected answer"));
  size_t left = 0;
  for (const auto& f : findings) left += f.value("repaired", false) ? 0 : 1;
  if (console.json) {
    print_json(console, *report);
    return left == 0 ? kExitOk : kExitHostsFailed;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& f : findings) {
    bool repaired = f.value("repaired", false);
    rows.push_back({f.value("kind", ""), std::to_string(f.value("task_id", int64_t{0})), f.value("host", ""),
                    repaired ? "repaired" : (repair ? "NOT REPAIRED" : "found"), f.value("detail", "")});
  }
  if (rows.empty()) {
    console.out << "no broken invariants\n";
    return kExitOk;
  }
  console.out << format_table({"KIND", "TASK", "HOST", "STATE", "DETAIL"}, rows);
  console.out << findings.size() << " finding(s)";
  if (!repair) console.out << "; run `mendctl doctor --repair` to repair them";
  console.out << "\n";
  return left == 0 ? kExitOk : kExitHostsFailed;
}

}  // namespace mend::cli
