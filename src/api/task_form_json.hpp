#pragma once
// The Ibex task form from a JSON request body, decoded as Ibex's Go server
// decodes it (gin's ShouldBindJSON): keys match field names case-insensitively
// ("Title" sets title), unknown keys are ignored, null leaves a field unset,
// and a later key for the same field wins. Only JSON types and the fields
// Ibex tags `binding:"required"` are checked here; the rules (ranges,
// normalisation) are validate_task_form's.
#include <string_view>

#include "common/result.hpp"
#include "engine/task_form.hpp"

namespace mend {

// Errors: invalid_input with Ibex's words, which it answers with HTTP 400:
// "json body invalid: " followed by Go's decoder text ("EOF", "json: cannot
// unmarshal string into Go struct field taskForm.batch of type int", ...) or
// the validator's, one line per required field that is missing or empty
// ("Key: 'taskForm.Title' Error:Field validation for 'Title' failed on the
// 'required' tag"). `hosts` is required to be present, not to be non-empty.
Result<TaskForm> parse_task_form_json(std::string_view body);

// The "action" string of a PUT action body ({"action": "..."}, any case of
// the key). Errors: invalid_input "json body invalid: ..." for malformed JSON
// or a non-string action; a missing action is "".
Result<std::string> parse_action_body(std::string_view body);

}  // namespace mend
