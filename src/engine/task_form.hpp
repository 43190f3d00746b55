#pragma once
// The Ibex task form as a client sends it, and the validation and
// normalisation Ibex applies before a task is created (ibex-compat.md).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "store/model.hpp"

namespace mend {

// Raw fields, before any rule is applied. The API fills it from JSON (wrong
// JSON types are refused there); missing strings stay empty.
struct TaskForm {
  std::string title;
  std::string account;
  int64_t batch = 0;
  int64_t tolerance = 0;
  int64_t timeout = 0;
  std::string pause;
  std::string script;
  std::string args;
  std::string stdin_text;
  std::string action;
  std::string creator;
  bool alert_triggered = false;
  std::vector<std::string> hosts;
};

inline constexpr int64_t kMaxTimeoutSeconds = 432000;  // 5 days, as Ibex
inline constexpr int kDefaultTimeoutSeconds = 30;      // what timeout 0 means

// Errors: invalid_input with a message naming the field.
Result<TaskSpec> validate_task_form(const TaskForm& form);

// The first of title, account, script, args, creator and pause holding a
// NUL byte: stored whole, it would be cut where the agent runs the script
// ("nobody\0root" runs as nobody, args "a\0b,,c" arrive as [a] [c]).
std::optional<std::string> field_with_nul(const TaskForm& form);

// A name a task may have as a host: 1..255 bytes, no control characters.
// Errors: invalid_input saying why.
Result<void> check_host_name(std::string_view host);

// " FH: <first host>" suffix rule, exposed for the heal path.
std::string title_with_host(const std::string& title, const std::string& host);

}  // namespace mend
