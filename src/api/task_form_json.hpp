#pragma once
// The Ibex task form from a JSON request body. Only JSON types are checked
// here; the rules (required fields, ranges, normalisation) are
// validate_task_form's. Unknown fields are ignored and null counts as missing,
// as with Ibex's Go decoder.
#include <string_view>

#include "common/result.hpp"
#include "engine/task_form.hpp"

namespace mend {

// Errors: invalid_input, e.g. "field 'batch' must be an integer" or
// "malformed JSON body: ...".
Result<TaskForm> parse_task_form_json(std::string_view body);

// The "action" string of a PUT action body ({"action": "..."}). Errors:
// invalid_input for malformed JSON or a non-string action; a missing action is "".
Result<std::string> parse_action_body(std::string_view body);

}  // namespace mend
