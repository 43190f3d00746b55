#include "api/task_form_json.hpp"

#include <cctype>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

namespace mend {

namespace {

// Key order matters: Go decodes keys in document order, so of "title" and
// "Title" the later one wins.
using ojson = nlohmann::ordered_json;

Error invalid(const std::string& detail) {
  return make_error(ErrorCode::invalid_input, "json body invalid: " + detail);
}

// How Go's encoding/json names a JSON value in "cannot unmarshal X into ...".
std::string go_kind(const ojson& v) {
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "bool";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "number";
}

Error type_error(const std::string& value, const char* go_struct, const std::string& field, const char* go_type) {
  return invalid("json: cannot unmarshal " + value + " into Go struct field " + go_struct + "." + field + " of type " +
                 go_type);
}

Result<ojson> parse_object(std::string_view body, const char* go_struct) {
  bool blank = true;
  for (char c : body) blank &= std::isspace(static_cast<unsigned char>(c)) != 0;
  if (blank) return invalid("EOF");  // what Go's decoder says of an empty body
  ojson j = ojson::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return invalid("malformed JSON");
  if (j.is_null()) return ojson::object();  // Go decodes null into a struct as a no-op
  if (!j.is_object())
    return invalid("json: cannot unmarshal " + go_kind(j) + " into Go value of type router." + go_struct);
  return j;
}

// Go matches a key to a field exactly or, failing that, case-insensitively.
bool key_names(const std::string& key, std::string_view field) {
  if (key.size() != field.size()) return false;
  for (size_t i = 0; i < key.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(key[i])) != field[i]) return false;
  return true;
}

// One field of a Go struct: its JSON name and how to decode a non-null value into it.
struct Field {
  const char* name;
  std::function<Result<void>(const ojson&)> decode;
};

Result<void> decode_fields(const ojson& j, const std::vector<Field>& fields) {
  for (const auto& [key, value] : j.items()) {
    for (const Field& f : fields) {
      if (!key_names(key, f.name)) continue;
      if (!value.is_null()) MEND_TRY(f.decode(value));
      break;
    }
  }
  return ok();
}

Field string_field(const char* go_struct, const char* name, std::string& out) {
  return {name, [=, &out](const ojson& v) -> Result<void> {
            if (!v.is_string()) return type_error(go_kind(v), go_struct, name, "string");
            out = v.get<std::string>();
            return ok();
          }};
}

Field int_field(const char* go_struct, const char* name, int64_t& out) {
  return {name, [=, &out](const ojson& v) -> Result<void> {
            if (v.is_number_integer() && !v.is_number_unsigned()) {
              out = v.get<int64_t>();
              return ok();
            }
            if (v.is_number_unsigned() && v.get<uint64_t>() <= uint64_t(std::numeric_limits<int64_t>::max())) {
              out = static_cast<int64_t>(v.get<uint64_t>());
              return ok();
            }
            // Go names the number with its text when it does not fit an int.
            std::string value = v.is_number() ? "number " + v.dump() : go_kind(v);
            return type_error(value, go_struct, name, "int");
          }};
}

Field bool_field(const char* go_struct, const char* name, bool& out) {
  return {name, [=, &out](const ojson& v) -> Result<void> {
            if (!v.is_boolean()) return type_error(go_kind(v), go_struct, name, "bool");
            out = v.get<bool>();
            return ok();
          }};
}

Field string_list_field(const char* go_struct, const char* name, std::vector<std::string>& out, bool& present) {
  return {name, [=, &out, &present](const ojson& v) -> Result<void> {
            if (!v.is_array()) return type_error(go_kind(v), go_struct, name, "[]string");
            std::vector<std::string> list;
            for (const auto& e : v) {
              if (e.is_null()) {
                list.emplace_back();  // Go leaves the element at its zero value
                continue;
              }
              if (!e.is_string()) return type_error(go_kind(e), go_struct, name, "string");
              list.push_back(e.get<std::string>());
            }
            out = std::move(list);
            present = true;
            return ok();
          }};
}

// gin's validator on Ibex's `binding:"required"` tags: a string must not be
// empty, a list must not be absent (an empty list passes).
std::string required_line(const char* go_field) {
  return std::string("Key: 'taskForm.") + go_field + "' Error:Field validation for '" + go_field +
         "' failed on the 'required' tag";
}

}  // namespace

Result<TaskForm> parse_task_form_json(std::string_view body) {
  constexpr const char* kStruct = "taskForm";
  MEND_ASSIGN_OR_RETURN(ojson j, parse_object(body, kStruct));
  TaskForm f;
  bool hosts_present = false;
  MEND_TRY(decode_fields(j, {string_field(kStruct, "title", f.title), string_field(kStruct, "account", f.account),
                          int_field(kStruct, "batch", f.batch), int_field(kStruct, "tolerance", f.tolerance),
                          int_field(kStruct, "timeout", f.timeout), string_field(kStruct, "pause", f.pause),
                          string_field(kStruct, "script", f.script), string_field(kStruct, "args", f.args),
                          string_field(kStruct, "stdin", f.stdin_text), string_field(kStruct, "action", f.action),
                          string_field(kStruct, "creator", f.creator),
                          string_list_field(kStruct, "hosts", f.hosts, hosts_present),
                          bool_field(kStruct, "alert_triggered", f.alert_triggered)}));
  std::string missing;
  auto require = [&](bool given, const char* go_field) {
    if (given) return;
    if (!missing.empty()) missing += "\n";
    missing += required_line(go_field);
  };
  require(!f.title.empty(), "Title");
  require(!f.account.empty(), "Account");
  require(!f.script.empty(), "Script");
  require(!f.action.empty(), "Action");
  require(!f.creator.empty(), "Creator");
  require(hosts_present, "Hosts");
  if (!missing.empty()) return invalid(missing);
  return f;
}

Result<std::string> parse_action_body(std::string_view body) {
  constexpr const char* kStruct = "actionForm";
  MEND_ASSIGN_OR_RETURN(ojson j, parse_object(body, kStruct));
  std::string action;
  MEND_TRY(decode_fields(j, {string_field(kStruct, "action", action)}));
  return action;
}

}  // namespace mend
