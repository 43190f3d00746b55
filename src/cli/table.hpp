#pragma once
// Plain-text tables for terminal output.
#include <string>
#include <vector>

namespace mend::cli {

// Left-aligned columns separated by two spaces, header first, no trailing
// spaces, each line ending in '\n'. Column width counts UTF-8 code points.
// Rows shorter than the header are padded with empty cells. Newlines and tabs
// inside cells become spaces so one row stays one line.
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

}  // namespace mend::cli
