#pragma once
// What the audit log says about an API request: its action name, target and
// a brief of the change, with secrets left out.
#include <map>
#include <string>

#include "api/http_types.hpp"
#include "store/auth_model.hpp"

namespace mend {

// "POST /ibex/v1/tasks" -> "task.create"; unknown routes keep "METHOD PATTERN".
std::string audit_action(const std::string& method, const std::string& pattern);
// Path parameters as "id=12 host=web-1"; the path when there are none.
std::string audit_target(const std::string& path, const std::map<std::string, std::string>& params);
// The request body in brief, as JSON text: objects keep their keys, with
// secrets ("password", "token", ...) replaced by "***" and long strings cut.
std::string audit_summary(const std::string& body);
// The record for `req`, made by its principal; outcome left to the caller.
AuditRecord audit_record_for(const ApiRequest& req, const std::string& action, int64_t now_ms);

}  // namespace mend
