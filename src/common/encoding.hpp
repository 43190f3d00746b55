#pragma once
// Text encodings that server, agent, mendctl and the tests all speak:
// hex, base64 (RFC 4648) and URL percent-encoding (RFC 3986).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mend {

// `n` bytes at `data` as lower-case hex (digests, fingerprints, serials, secrets).
std::string hex_encode(const void* data, size_t n);

// Standard base64 with padding.
std::string base64_encode(std::string_view data);
// Standard base64, padding optional. nullopt on a bad character or length.
std::optional<std::string> base64_decode(std::string_view text);

// Percent-encodes every byte but the unreserved ones (ALPHA DIGIT - _ . ~),
// with upper-case hex: safe as a path segment or a query value.
std::string url_encode(std::string_view s);
// Appends "key=value" to `query` (after a '&' when it is not empty), the value
// url_encoded; nothing for an empty value, which the servers read as absent.
void append_query(std::string& query, std::string_view key, std::string_view value);
// Decodes %XX escapes (and '+' as space when `plus_is_space`). nullopt for a broken escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

}  // namespace mend
