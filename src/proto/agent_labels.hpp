#pragma once
// Labels an agent reports about its host (`mend-agent --label env=prod`):
// shown in the agents list and matched by host groups' label selectors. The
// agent checks them at start, the server again at hello; both use these rules.
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.hpp"

namespace mend::proto {

// Sorted by key, one value per key.
using Labels = std::map<std::string, std::string>;

inline constexpr size_t kMaxLabels = 32;
inline constexpr size_t kMaxLabelKeyBytes = 63;
inline constexpr size_t kMaxLabelValueBytes = 255;

// Keys are 1..63 of [A-Za-z0-9_.-/]; values up to 255 bytes (UTF-8 as sent)
// without control characters; at most 32 labels. Errors: invalid_input
// starting "bad label", naming the label and the rule it breaks (the agent
// stops on a refusal that says so: no retry can fix it).
Result<void> check_labels(const Labels& labels);
Result<void> check_label(std::string_view key, std::string_view value);

// "key=value" (the value may be empty or hold '='). Errors: invalid_input.
Result<std::pair<std::string, std::string>> parse_label(std::string_view text);

// "env=prod,team=db": what the agents list and mendctl show.
std::string format_labels(const Labels& labels);

}  // namespace mend::proto
