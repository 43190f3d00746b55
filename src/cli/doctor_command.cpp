#include "cli/commands.hpp"
#include "cli/table.hpp"

namespace mend::cli {

int doctor_command(const ServerApi& api, bool repair, Console& console) {
  auto report = api.doctor(repair);
  if (!report) return report_error(console, report.error());
  const auto& findings = (*report)["findings"];
  if (!findings.is_array()) return report_error(console, make_error(ErrorCode::internal, "doctor: unexpected answer"));
  std::vector<std::vector<std::string>> rows;
  size_t left = 0;
  for (const auto& f : findings) {
    bool repaired = f.value("repaired", false);
    if (!repaired) ++left;
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
