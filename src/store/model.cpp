#include "store/model.hpp"

#include <array>

namespace mend {

namespace {
constexpr std::array<std::string_view, 4> kTaskActionNames = {"start", "pause", "cancel", "kill"};
constexpr std::array<std::string_view, 3> kHostActionNames = {"ignore", "kill", "redo"};

template <class E, size_t N>
std::optional<E> parse_enum(const std::array<std::string_view, N>& names, std::string_view s) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}
}  // namespace

std::string_view to_string(TaskAction a) { return kTaskActionNames[static_cast<size_t>(a)]; }
std::optional<TaskAction> parse_task_action(std::string_view s) {
  return parse_enum<TaskAction>(kTaskActionNames, s);
}
std::string_view to_string(HostAction a) { return kHostActionNames[static_cast<size_t>(a)]; }
std::optional<HostAction> parse_host_action(std::string_view s) {
  return parse_enum<HostAction>(kHostActionNames, s);
}

}  // namespace mend
