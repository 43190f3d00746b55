#pragma once
// Writes one flat JSON object straight into a string, for the agent
// messages that go out thousands of times a second (an Assign per host, an
// Ack per result): building an nlohmann::json object first cost a map node
// and a value per field, and was 4 % of the server's CPU in a sustained run.
//
// Strings come out as nlohmann's dump(error_handler_t::replace) writes them:
// UTF-8 kept as is, `"` `\` and control characters escaped, and each byte
// that is not part of a well-formed UTF-8 sequence replaced by U+FFFD, so the
// output is always valid JSON and valid UTF-8. Keys are the caller's
// literals (written unescaped). Not a general serializer: no arrays, no
// nesting beyond an object of strings.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mend::proto {

class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(std::string& out) : out_(out) { out_ += '{'; }

  JsonObjectWriter& field(std::string_view key, std::string_view value);
  JsonObjectWriter& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
  JsonObjectWriter& field(std::string_view key, int64_t value);
  JsonObjectWriter& field(std::string_view key, int value) { return field(key, int64_t{value}); }
  // A nested object of string values, in the order given.
  template <class Pairs>
  JsonObjectWriter& object(std::string_view key, const Pairs& pairs) {
    begin(key);
    out_ += '{';
    bool first = true;
    for (const auto& [k, v] : pairs) {
      if (!first) out_ += ',';
      first = false;
      append_string(k);
      out_ += ':';
      append_string(v);
    }
    out_ += '}';
    return *this;
  }
  // Closes the object; the writer must not be used after.
  void close() { out_ += '}'; }

  // `s` as a JSON string literal, quotes included.
  static void append_quoted(std::string& out, std::string_view s);

 private:
  void begin(std::string_view key);
  void append_string(std::string_view s) { append_quoted(out_, s); }

  std::string& out_;
  bool first_ = true;
};

}  // namespace mend::proto
