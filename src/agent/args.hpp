#pragma once
// Ibex task arguments: one string whose pieces are separated by ",,".
#include <string>
#include <string_view>
#include <vector>

namespace mend::agent {

// Splits an Ibex args string into argv elements. Each piece becomes exactly one
// argument and is never re-parsed by a shell, so spaces, quotes and $(...) reach
// the script untouched. An empty string means no arguments. Every other piece is
// kept, empty ones included ("a,,,,b" -> "a", "", "b"; "a,," -> "a", ""), which
// matches Ibex: it single-quotes every piece, so empty ones arrive as ''.
std::vector<std::string> split_ibex_args(std::string_view args);

}  // namespace mend::agent
