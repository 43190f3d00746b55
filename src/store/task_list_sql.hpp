#pragma once
// The pieces of the task reads that both backends share: the columns a task
// row is read from, the state filter of a task list, and the title search
// pattern. Each backend adds its own placeholders and row reader.
#include <cstdint>
#include <string>
#include <string_view>

namespace mend {

// SELECT of a task's 17 columns in the order both row readers expect, joined
// to its action; callers append WHERE and ORDER BY.
extern const std::string kTaskSelectSql;

// A task list's `state` filter: done (-1 any, 0, 1), and the action an
// unfinished task must have ("" for any).
struct TaskStateFilter {
  int64_t done = -1;
  std::string action;
};
TaskStateFilter task_state_filter(const std::string& state);

// A LIKE pattern matching text that contains `text` literally: % and _ are
// wildcards to LIKE, and a user searching for "50%" means the text. Use with
// ESCAPE '\'.
std::string like_contains(std::string_view text);

}  // namespace mend
