#pragma once
// Small text helpers shared by server, agent and CLI.
#include <string>
#include <string_view>
#include <vector>

namespace mend {

std::string trim(std::string_view s);
// Every part between separators, empty ones included: split("a,,b", ",") is {"a", "", "b"}.
std::vector<std::string> split(std::string_view s, std::string_view sep);
// The parts that are not empty: split_nonempty("a,,b,", ",") is {"a", "b"}.
std::vector<std::string> split_nonempty(std::string_view s, std::string_view sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
bool starts_with(std::string_view s, std::string_view prefix);
// Replaces every occurrence of `from` with `to`.
std::string replace_all(std::string_view s, std::string_view from, std::string_view to);
// Returns `s` with every invalid UTF-8 sequence replaced by U+FFFD, so any
// bytes a script prints can travel in JSON.
std::string sanitize_utf8(std::string_view s);
// Length of the longest prefix of s (at most max bytes) that does not cut a UTF-8 sequence.
size_t utf8_prefix_len(std::string_view s, size_t max);
// Start offset of the longest suffix of s (at most max bytes) that begins on a UTF-8 boundary.
size_t utf8_suffix_start(std::string_view s, size_t max);

}  // namespace mend
