#pragma once
// Text a client chose (an agent's ident, a header, a label), made safe to put
// in a log line: a newline in it would otherwise write a line of its own that
// reads like the server's (log forging), and other control characters can
// rewrite a terminal.
#include <string>
#include <string_view>

namespace mend {

// `s` with \n, \r and \t written as those two-character escapes, a backslash
// doubled, every other control character (below 0x20, and 0x7f) as \xNN, and
// everything else as is. At most `max_bytes` of `s` are shown ("..." then
// says that more followed).
std::string log_safe(std::string_view s, size_t max_bytes = 256);

}  // namespace mend
